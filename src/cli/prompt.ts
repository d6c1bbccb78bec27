/**
 * Questions on the terminal, as Podman asks them: the prompt on stdout, a line read from
 * stdin, a password read without echo. stdin stays open after a read (another question may
 * follow), and a password is refused without a terminal, in Podman's words.
 */
import { SkiffError } from '../util/errors.ts';
import type { CommandContext } from './command.ts';

export async function readLine(ctx: CommandContext, prompt: string): Promise<string> {
  ctx.out(prompt);
  let value = '';
  for await (const chunk of (ctx.stdin as NodeJS.ReadStream).iterator({ destroyOnReturn: false })) {
    value += (chunk as Buffer).toString('utf8');
    const nl = value.indexOf('\n');
    if (nl >= 0) return value.slice(0, nl).replace(/\r$/, '');
  }
  if (value === '') throw new SkiffError('invalid-argument', 'getting username and password: reading username: EOF');
  return value;
}

export async function readSecret(ctx: CommandContext, prompt: string): Promise<string> {
  ctx.out(prompt);
  const stdin = ctx.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY) throw new SkiffError('invalid-argument', 'getting username and password: reading password: inappropriate ioctl for device');
  stdin.setRawMode(true);
  try {
    let value = '';
    for await (const chunk of stdin.iterator({ destroyOnReturn: false })) {
      for (const ch of (chunk as Buffer).toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          ctx.out('\n');
          return value;
        }
        if (ch === '\x03') throw new SkiffError('invalid-argument', 'getting username and password: interrupted');
        if (ch === '\x7f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    }
    throw new SkiffError('invalid-argument', 'getting username and password: reading password: EOF');
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
