/**
 * A YAML writer for plain data, in the style of go-yaml v3 (which Podman's `info` uses):
 * two-space indents, lists at the parent's indent, keys sorted, strings quoted only when
 * they would otherwise read as another type.
 */
function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s === '') return '""';
  if (s.includes('\n')) return s; // handled by the caller as a block
  if (/^(true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.eE+-]*)$/i.test(s)) return `"${s}"`;
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]|: |\s#|\s$/.test(s)) return `'${s.replace(/'/g, "''")}'`;
  return s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function emit(v: unknown, indent: string, out: string[]): void {
  if (isPlainObject(v)) {
    for (const key of Object.keys(v).sort()) {
      const val = v[key];
      if (isPlainObject(val)) {
        if (Object.keys(val).length === 0) out.push(`${indent}${key}: {}`);
        else {
          out.push(`${indent}${key}:`);
          emit(val, `${indent}  `, out);
        }
      } else if (Array.isArray(val)) {
        if (val.length === 0) out.push(`${indent}${key}: []`);
        else {
          out.push(`${indent}${key}:`);
          emit(val, indent, out);
        }
      } else if (typeof val === 'string' && val.includes('\n')) {
        out.push(`${indent}${key}: |-`);
        for (const line of val.split('\n')) out.push(`${indent}  ${line}`);
      } else out.push(`${indent}${key}: ${scalar(val)}`);
    }
    return;
  }
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isPlainObject(item) || Array.isArray(item)) {
        const sub: string[] = [];
        emit(item, `${indent}  `, sub);
        if (sub.length > 0) sub[0] = `${indent}- ${sub[0].slice(indent.length + 2)}`;
        out.push(...sub);
      } else out.push(`${indent}- ${scalar(item)}`);
    }
    return;
  }
  out.push(`${indent}${scalar(v)}`);
}

export function toYaml(v: unknown): string {
  const out: string[] = [];
  emit(v, '', out);
  return `${out.join('\n')}\n`;
}
