import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PODMAN_TABWRITER, tabwrite } from '../../../src/cli/format/tabwriter.ts';
import type { TabwriterOptions } from '../../../src/cli/format/tabwriter.ts';

const opts = (minwidth: number, tabwidth: number, padding: number, padchar: string, extra: Partial<TabwriterOptions> = {}): TabwriterOptions => ({
  minwidth,
  tabwidth,
  padding,
  padchar,
  ...extra,
});

test('tabwrite: Podman settings (minwidth 12, padding 2), as common/pkg/report expects', () => {
  const cases: [string, string][] = [
    ['a46001bfea3a4172b46c173101208244\tRandom\tuuid', 'a46001bfea3a4172b46c173101208244  Random      uuid'],
    [
      'Identity\tValue\nc061a0839e\tone\nf10fc2e11057\ttwo\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tthree\n',
      'Identity                          Value\nc061a0839e                        one\nf10fc2e11057                      two\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three\n',
    ],
    ['DRIVER\tVOLUME NAME\nlocal\tvol1\n', 'DRIVER      VOLUME NAME\nlocal       vol1\n'],
    // The last cell of a line is never padded, so there are no trailing spaces.
    ['a\tb\n', 'a           b\n'],
    // Widths count code points, not UTF-16 units or bytes.
    ['é😀\tx\n', 'é😀          x\n'],
  ];
  for (const [input, want] of cases) assert.equal(tabwrite(input, PODMAN_TABWRITER), want, JSON.stringify(input));
});

test('tabwrite: column blocks end at a line with fewer cells', () => {
  const cases: [string, TabwriterOptions, string][] = [
    ['aaaa\tb\tc\nx\ty\nz\n1\t2\n', opts(0, 8, 1, ' '), 'aaaa b c\nx    y\nz\n1 2\n'],
    ['Hello\tWorld', opts(4, 8, 1, ':'), 'Hello:World'],
    ['Be\tGood', opts(4, 8, 1, ':'), 'Be::Good'],
    // A tab-terminated empty cell still takes its column's width...
    ['a\t\tb\nxx\tyy\tz\n', opts(0, 8, 1, ' '), 'a     b\nxx yy z\n'],
    // ...and a trailing tab pads the cell before it, as in Go.
    ['a\tb\t\nccc\td\n', opts(0, 8, 1, ' '), 'a   b \nccc d\n'],
    // An unterminated last line gets no empty last cell: "0" below is not part of a column.
    ['id\tsize\n1\t0\t', opts(0, 8, 2, ' '), 'id  size\n1   0'],
    // Form feeds cut the text into independently aligned sections.
    ['a\tb\nlong\tc\fx\ty\n', opts(0, 8, 1, ' '), 'a    b\nlong c\nx y\n'],
    ['Identity\tValue\nc061a0839e\tone\n', opts(8, 1, 1, ' ', { debug: true }), 'Identity   |Value\nc061a0839e |one\n'],
    ['a\tb\nccc\td\n', opts(0, 8, 1, ' ', { alignRight: true }), '   ab\n cccd\n'],
    ['a\tb\nccccccccc\td\n', opts(0, 4, 1, '\t'), 'a\t\t\tb\nccccccccc\td\n'],
  ];
  for (const [input, o, want] of cases) assert.equal(tabwrite(input, o), want, JSON.stringify(input));
});
