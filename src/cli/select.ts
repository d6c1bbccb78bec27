/**
 * A choice on the terminal, drawn as Podman's short-name prompt draws it:
 *
 *   ? Please select an image:
 *     ▸ registry.example.com/busybox:latest
 *       docker.io/library/busybox:latest
 *
 * Up and down arrows (or k/j, Ctrl-P/Ctrl-N) move, Enter picks, Ctrl-C or Ctrl-D gives up.
 * The list is left as `✔ CHOICE`.
 */
import { SkiffError } from '../util/errors.ts';
import type { Io } from './command.ts';

const BLUE = '\x1b[34m';
const GREEN = '\x1b[32m';
const BOLD = '\x1b[1m';
const FAINT = '\x1b[2m';
const UNDERLINE = '\x1b[4m';
const RESET = '\x1b[0m';

export async function selectOnTerminal(io: Io, label: string, items: readonly string[]): Promise<number> {
  const stdin = io.stdin as NodeJS.ReadStream;
  const out = io.stdout;
  let current = 0;
  const draw = (first: boolean): void => {
    let text = first ? '\x1b[?25l' : `\x1b[${items.length + 1}A\r\x1b[J`;
    text += `${BLUE}?${RESET} ${label}: \r\n`;
    items.forEach((item, i) => {
      text += i === current ? `  ${BOLD}▸${RESET} ${UNDERLINE}${item}${RESET}\r\n` : `    ${item}\r\n`;
    });
    out.write(text);
  };
  const finish = (text: string): void => {
    out.write(`\x1b[${items.length + 1}A\r\x1b[J${text}\x1b[?25h`);
  };
  stdin.setRawMode(true);
  draw(true);
  try {
    for await (const chunk of stdin) {
      const keys = (chunk as Buffer).toString('utf8');
      if (keys === '\r' || keys === '\n') {
        finish(`${GREEN}✔${RESET} ${FAINT}${items[current]}${RESET}\r\n`);
        return current;
      }
      if (keys === '\x03' || keys === '\x04') {
        finish('');
        throw new SkiffError('invalid-argument', '^C');
      }
      if (keys === '\x1b[A' || keys === 'k' || keys === '\x10') current = Math.max(0, current - 1);
      else if (keys === '\x1b[B' || keys === 'j' || keys === '\x0e') current = Math.min(items.length - 1, current + 1);
      else continue;
      draw(false);
    }
    finish('');
    throw new SkiffError('invalid-argument', 'EOF');
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
