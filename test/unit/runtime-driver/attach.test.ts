/** Detach keys: Podman's syntax (moby/term ToBytes) and the stdin matcher. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DETACH_KEYS, DetachKeyMatcher, parseDetachKeys } from '../../../src/runtime/attach.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

test('parseDetachKeys', () => {
  const cases: [string, number[]][] = [
    [DEFAULT_DETACH_KEYS, [16, 17]],
    ['', []],
    ['a', [97]],
    ['ctrl-@', [0]],
    ['ctrl-a,b,ctrl-z', [1, 98, 26]],
    ['ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', [27, 28, 29, 30, 31]],
    ['DEL', [127]],
  ];
  for (const [spec, bytes] of cases) assert.deepEqual([...parseDetachKeys(spec)], bytes, spec);
  for (const [spec, bad] of [['ctrl-A', 'ctrl-A'], ['ab', 'ab'], ['ctrl-p,,x', ''], ['ctrl-1', 'ctrl-1'], [',', '']]) {
    assert.throws(
      () => parseDetachKeys(spec as string),
      (e: unknown) => isSkiffError(e, 'invalid-argument') && e.message === `invalid detach keys: Unknown character: '${bad}'`,
      spec,
    );
  }
});

function run(keys: string, chunks: (string | number[])[]): { out: string; detached: boolean; held: string } {
  const m = new DetachKeyMatcher(parseDetachKeys(keys));
  let out = '';
  for (const c of chunks) {
    const r = m.feed(typeof c === 'string' ? Buffer.from(c) : Uint8Array.from(c));
    out += r.forward.toString('latin1');
    if (r.detached) return { out, detached: true, held: '' };
  }
  return { out, detached: false, held: m.flush().toString('latin1') };
}

test('the matcher holds a partial sequence and drops a complete one', () => {
  assert.deepEqual(run(DEFAULT_DETACH_KEYS, ['ab', [16], [17], 'never']), { out: 'ab', detached: true, held: '' });
  assert.deepEqual(run(DEFAULT_DETACH_KEYS, ['x', [16, 17]]), { out: 'x', detached: true, held: '' });
  // A broken sequence is forwarded whole, in order.
  assert.deepEqual(run(DEFAULT_DETACH_KEYS, [[16], 'z']), { out: '\x10z', detached: false, held: '' });
  // ctrl-p ctrl-p ctrl-q: the first ctrl-p goes through, the second starts the match.
  assert.deepEqual(run(DEFAULT_DETACH_KEYS, [[16, 16, 17]]), { out: '\x10', detached: true, held: '' });
  // An unfinished match at the end of input is handed back by flush().
  assert.deepEqual(run(DEFAULT_DETACH_KEYS, ['a', [16]]), { out: 'a', detached: false, held: '\x10' });
  assert.deepEqual(run('', [[16, 17], 'q']), { out: '\x10\x11q', detached: false, held: '' });
  assert.deepEqual(run('q', ['abqc']), { out: 'ab', detached: true, held: '' });
});
