/**
 * Go's text/tabwriter (the elastic tabstops algorithm) over a whole text at once.
 *
 * Contract, as Go's: text is cut into lines at `\n` and lines into cells at `\t`; a cell is
 * tab-terminated, so the text after a line's last tab is not part of any column and is never
 * padded. A column is a run of consecutive lines that all have a tab-terminated cell at that
 * index; its width is the widest such cell plus padding, at least minwidth. A line with fewer
 * cells ends the column block, so alignment restarts below it. `\f` ends a line and flushes:
 * lines after it are aligned independently. Widths count code points, like Go counts runes.
 */

export interface TabwriterOptions {
  readonly minwidth: number;
  readonly tabwidth: number;
  readonly padding: number;
  /** ' ' pads with spaces; '\t' pads with tabs assuming tabwidth-wide tab stops. */
  readonly padchar: string;
  readonly alignRight?: boolean;
  /** Prints `|` between columns, as tabwriter.Debug. */
  readonly debug?: boolean;
}

/** What Podman's report package uses: `tabwriter.NewWriter(w, 12, 2, 2, ' ', tabwriter.StripEscape)`. */
export const PODMAN_TABWRITER: TabwriterOptions = { minwidth: 12, tabwidth: 2, padding: 2, padchar: ' ' };

interface Cell {
  readonly text: string;
  readonly width: number;
}

export function tabwrite(text: string, opts: TabwriterOptions = PODMAN_TABWRITER): string {
  // Sections between form feeds are formatted independently.
  return text
    .split('\f')
    .map((section) => formatSection(section, opts))
    .join('\n');
}

function formatSection(text: string, opts: TabwriterOptions): string {
  const lines: Cell[][] = text.split('\n').map((line) =>
    line.split(/[\t\v]/).map((t) => ({ text: t, width: codePoints(t) })),
  );
  // Go terminates a cell at a newline even when empty, but the unterminated last line only
  // gets a last cell when it has text: "a\tb\t" at the end leaves "b" out of any column.
  const last = lines[lines.length - 1];
  if (last.length > 1 && last[last.length - 1].text === '') last.pop();
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      let s = '';
      cells.forEach((c, j) => {
        if (j > 0 && opts.debug) s += '|';
        if (j >= widths.length) {
          s += c.text;
          return;
        }
        const fill = padding(c.width, widths[j], opts);
        s += opts.alignRight ? fill + c.text : c.text + fill;
      });
      out.push(s);
    }
  };

  // Recursive column discovery, as Go's Writer.format: widths holds the widths of the
  // columns to the left of `column` for the block line0..line1.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = opts.minwidth;
      for (; i < line1 && column < lines[i].length - 1; i++) {
        width = Math.max(width, lines[i][column].width + opts.padding);
      }
      widths.push(width);
      format(line0, i);
      widths.pop();
      // Like Go, the loop's i++ now skips the line that ended the block: it has no cell here.
      line0 = i;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}

function padding(textWidth: number, cellWidth: number, opts: TabwriterOptions): string {
  if (opts.padchar === '\t') {
    if (opts.tabwidth === 0) return '';
    const cw = Math.ceil(cellWidth / opts.tabwidth) * opts.tabwidth;
    return '\t'.repeat(Math.ceil((cw - textWidth) / opts.tabwidth));
  }
  return opts.padchar.repeat(Math.max(cellWidth - textWidth, 0));
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
