/**
 * How pull and push report a copy on stderr, as Podman does:
 *  - off a terminal, one plain line per blob as it starts (`Copying blob sha256:…`);
 *  - on a terminal, one live line per blob with a bar, bytes and rate, redrawn at most ten
 *    times a second and left as `Copying blob 1ab18f5d4e23 done`;
 *  - with --quiet, nothing.
 */
import type { BlobProgress, CopyReporter } from '../engine/pull.ts';
import { SILENT } from '../engine/pull.ts';

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export function copyReporter(stderr: NodeJS.WritableStream, opts: { quiet: boolean }): CopyReporter {
  if (opts.quiet) return SILENT;
  if ((stderr as { isTTY?: boolean }).isTTY) return new LiveReporter(stderr);
  return {
    line: (text) => stderr.write(`${text}\n`),
    blob: (kind, digest) => {
      stderr.write(`Copying ${kind} ${digest}\n`);
      return { advance() {}, done() {} };
    },
  };
}

interface Row {
  readonly label: string;
  readonly size: number | undefined;
  bytes: number;
  status: string | undefined;
  readonly started: number;
}

/** Live bars: finished rows scroll up as plain lines; the rows still moving are redrawn. */
class LiveReporter implements CopyReporter {
  readonly #out: NodeJS.WritableStream;
  readonly #rows: Row[] = [];
  /** How many lines the last redraw left on the screen (they are rewritten in place). */
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  line(text: string): void {
    this.#redraw(`${text}\n`);
  }

  blob(kind: 'blob' | 'config', digest: string, size: number | undefined): BlobProgress {
    // Podman's widths: 12 hex digits of a blob's digest, 10 of the config's.
    const row: Row = { label: `Copying ${kind} ${digest.replace(/^sha256:/, '').slice(0, kind === 'blob' ? 12 : 10)}`, size, bytes: 0, status: undefined, started: Date.now() };
    this.#rows.push(row);
    this.#schedule();
    return {
      advance: (n) => {
        row.bytes += n;
        this.#schedule();
      },
      done: (status = 'done') => {
        row.status = status;
        this.#redraw('');
      },
    };
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#redraw('');
    }, REDRAW_MS);
  }

  /** Rewrites the live rows, printing `before` above them; finished leading rows become history. */
  #redraw(before: string): void {
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}A\r\x1b[J` : '';
    text += before;
    // Rows that are finished and have no unfinished row above them are printed for good.
    while (this.#rows.length > 0 && this.#rows[0].status !== undefined) {
      const row = this.#rows.shift() as Row;
      text += `${row.label} ${row.status}\n`;
    }
    for (const row of this.#rows) text += `${render(row)}\n`;
    this.#drawn = this.#rows.length;
    this.#out.write(text);
    if (this.#rows.length === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

function render(row: Row): string {
  if (row.status !== undefined) return `${row.label} ${row.status}`;
  const elapsed = Math.max((Date.now() - row.started) / 1000, 0.001);
  const rate = `${human(row.bytes / elapsed)}/s`;
  if (!row.size) return `${row.label} ${human(row.bytes)} (${rate})`;
  const filled = Math.min(BAR_WIDTH, Math.floor((row.bytes / row.size) * BAR_WIDTH));
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${'-'.repeat(BAR_WIDTH - filled)}]`;
  return `${row.label} ${bar} ${human(row.bytes)} / ${human(row.size)} (${rate})`;
}

/** Bytes in binary units with one decimal, as the bars Podman draws show them. */
export function human(n: number): string {
  const units = ['b', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)}${units[0]}` : `${v.toFixed(1)}${units[i]}`;
}
