/**
 * Shell-like word splitting with the rules of github.com/google/shlex, which Podman uses on
 * `top`'s ps(1) arguments: words split at space, tab, CR and LF; `'…'` is literal; inside
 * `"…"` a backslash takes the next character literally; outside quotes a backslash escapes
 * any character; `#` at the start of a word begins a comment that runs to the end of the line.
 * No expansion of any kind. Errors carry shlex's texts.
 */
import { SkiffError } from './errors.ts';

type State = 'start' | 'word' | 'escape' | 'quotedEscape' | 'double' | 'single' | 'comment';

const SPACE = new Set([' ', '\t', '\r', '\n']);

export function shlexSplit(input: string): string[] {
  const words: string[] = [];
  let state: State = 'start';
  let word = '';
  const finish = (): void => {
    if (state !== 'comment') words.push(word);
    word = '';
    state = 'start';
  };
  for (const ch of input) {
    switch (state) {
      case 'start':
        if (SPACE.has(ch)) break;
        if (ch === '"') state = 'double';
        else if (ch === "'") state = 'single';
        else if (ch === '\\') state = 'escape';
        else if (ch === '#') state = 'comment';
        else {
          word += ch;
          state = 'word';
        }
        break;
      case 'word':
        if (SPACE.has(ch)) finish();
        else if (ch === '"') state = 'double';
        else if (ch === "'") state = 'single';
        else if (ch === '\\') state = 'escape';
        else word += ch;
        break;
      case 'escape':
        word += ch;
        state = 'word';
        break;
      case 'quotedEscape':
        word += ch;
        state = 'double';
        break;
      case 'double':
        if (ch === '"') state = 'word';
        else if (ch === '\\') state = 'quotedEscape';
        else word += ch;
        break;
      case 'single':
        if (ch === "'") state = 'word';
        else word += ch;
        break;
      case 'comment':
        if (ch === '\n') finish();
        break;
    }
  }
  switch (state) {
    case 'escape':
    case 'quotedEscape':
      throw new SkiffError('invalid-argument', 'EOF found after escape character');
    case 'double':
    case 'single':
      throw new SkiffError('invalid-argument', 'EOF found when expecting closing quote');
    case 'word':
      finish();
      break;
    case 'start':
    case 'comment':
      break;
  }
  return words;
}
