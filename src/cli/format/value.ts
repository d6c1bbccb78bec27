/**
 * How plain JS values stand in for Go values when templates run over them. The mapping is
 * the contract every part of `format/` shares:
 *
 * | JS value                      | Go kind   | notes                                          |
 * |-------------------------------|-----------|------------------------------------------------|
 * | `undefined`                   | invalid   | prints `<no value>` (a missing map key)         |
 * | `null`                        | nil       | prints `<nil>`                                  |
 * | string, boolean               | string, bool |                                              |
 * | number                        | int when a safe integer, else float64           |
 * | bigint                        | int       |                                                 |
 * | Array                         | slice     | `[a b]`                                         |
 * | Map                           | map       | missing key → `<no value>`; sorted keys         |
 * | Date                          | time.Time | prints like Go's `time.Time.String()`, in UTC   |
 * | function                      | func      | as a field it is a method: called with the template's arguments |
 * | object tagged with `GO_TYPE`  | struct    | missing field is an error; prints `{v1 v2}` in key order |
 * | any other object              | object    | missing field is an error (a struct to lookups); prints, ranges and counts like a map |
 */

/** Tags an object as a Go struct of the given type name (`images.imageReporter`), for error texts and `{…}` printing. */
export const GO_TYPE: unique symbol = Symbol.for('skiff.goType');

export type Kind = 'invalid' | 'nil' | 'string' | 'int' | 'float' | 'bool' | 'slice' | 'map' | 'struct' | 'object' | 'time' | 'func';

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'function':
      return 'func';
    case 'symbol':
      return 'invalid';
    case 'object':
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof Map) return 'map';
      if (v instanceof Date) return 'time';
      return GO_TYPE in v ? 'struct' : 'object';
  }
}

/** The Go type name used in messages (`string`, `int`, `[]string`, `map[string]string`, …). */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'func':
      return 'func';
    case 'time':
      return 'time.Time';
    case 'slice':
      return `[]${elemTypeName(v as unknown[])}`;
    case 'map':
      return `map[string]${elemTypeName([...(v as Map<unknown, unknown>).values()])}`;
    case 'struct':
      return String((v as Record<symbol, unknown>)[GO_TYPE]);
    case 'object': {
      const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
      const name = proto?.constructor?.name;
      return name && name !== 'Object' ? name : 'object';
    }
  }
}

/** The element type a homogeneous collection would have in Go, else `interface {}`. */
function elemTypeName(items: unknown[]): string {
  if (items.length === 0) return 'interface {}';
  const first = typeName(items[0]);
  return first !== '<nil>' && items.every((x) => typeName(x) === first) ? first : 'interface {}';
}

/** The zero value of a collection's element type, which Go's `index` yields for a missing key. */
export function zeroOfElements(items: Iterable<unknown>): unknown {
  let kind: Kind | undefined;
  for (const x of items) {
    const k = kindOf(x);
    if (kind !== undefined && k !== kind && !(isNumber(k) && isNumber(kind))) return undefined;
    kind = k;
  }
  switch (kind) {
    case 'string':
      return '';
    case 'int':
    case 'float':
      return 0;
    case 'bool':
      return false;
    default:
      return undefined;
  }
}

const isNumber = (k: Kind): boolean => k === 'int' || k === 'float';

/** Map-like entries (Map, object, struct) sorted by key, as Go ranges over and prints maps. */
export function sortedEntries(v: object): [string, unknown][] {
  const entries: [string, unknown][] = v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : Object.entries(v);
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Looks a field up on an object: own properties, and methods of class instances, never Object.prototype's. */
export function hasField(obj: object, name: string): boolean {
  if (Object.hasOwn(obj, name)) return true;
  const proto: unknown = Object.getPrototypeOf(obj);
  return proto !== Object.prototype && proto !== null && name in obj && !(name in Object.prototype);
}

/** Go's truth: false for zero values, nil and empty collections (objects count as maps here). */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'string':
      return (v as string).length > 0;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return (v as Map<unknown, unknown>).size > 0;
    case 'object':
      return Object.keys(v as object).length > 0;
    case 'struct':
    case 'time':
    case 'func':
      return true;
  }
}
