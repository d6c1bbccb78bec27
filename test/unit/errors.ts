/** Shared by unit tests: the SkiffError a call throws, as its code and message. */
import assert from 'node:assert/strict';
import { isSkiffError } from '../../src/util/errors.ts';

export function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    assert.ok(isSkiffError(e), String(e));
    return { code: e.code, message: e.message };
  }
  assert.fail('expected an error');
}
