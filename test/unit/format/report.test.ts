import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  enforceRange,
  isJsonFormat,
  normalizeFormat,
  renderEach,
  renderList,
  renderOne,
  splitCamelCase,
} from '../../../src/cli/format/report.ts';
import { TemplateError } from '../../../src/cli/format/template.ts';

test('normalizeFormat: escapes, table spacing, final newline (report.NormalizeFormat)', () => {
  const cases: [string, string][] = [
    ['{{.ID}}\t{{.ID}}', '{{.ID}}\t{{.ID}}\n'],
    ['{{.ID}}\\t{{.ID}}', '{{.ID}}\t{{.ID}}\n'],
    ['{{.ID}} {{.ID}}', '{{.ID}} {{.ID}}\n'],
    ['table {{.ID}}\\t{{.ID}}', '{{.ID}}\t{{.ID}}\n'],
    ['table {{.ID}} {{.ID}}', '{{.ID}}\t{{.ID}}\n'],
    ['table {{.ID}}\\n', '{{.ID}}\n'],
    ['{{.ID}}\n', '{{.ID}}\n'],
    ['table', 'table\n'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeFormat(input), want, input);
});

test('isJsonFormat and enforceRange', () => {
  for (const f of ['json', ' json ', '{{json .}}', '{{ json . }}', '{{json}}', '{{ json }}']) assert.ok(isJsonFormat(f), f);
  for (const f of ['{{json .ID}}', 'table json', 'JSON', '{{.}}', 'json .']) assert.ok(!isJsonFormat(f), f);
  assert.equal(enforceRange('x'), '{{range .}}x{{end -}}');
  assert.equal(enforceRange('{{range .}}x{{end}}'), '{{range .}}x{{end}}');
  assert.equal(enforceRange('{{ range . }}x{{ end -}}'), '{{ range . }}x{{ end -}}');
});

test('splitCamelCase, which derives default headers', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['lowercase', ['lowercase']],
    ['MyClass', ['My', 'Class']],
    ['MyC', ['My', 'C']],
    ['HTML', ['HTML']],
    ['PDFLoader', ['PDF', 'Loader']],
    ['AString', ['A', 'String']],
    ['SimpleXMLParser', ['Simple', 'XML', 'Parser']],
    ['vimRPCPlugin', ['vim', 'RPC', 'Plugin']],
    ['GL11Version', ['GL', '11', 'Version']],
    ['99Bottles', ['99', 'Bottles']],
    ['BFG9000', ['BFG', '9000']],
    ['BöseÜberraschung', ['Böse', 'Überraschung']],
    ['Two  spaces', ['Two', '  ', 'spaces']],
  ];
  for (const [input, want] of cases) assert.deepEqual(splitCamelCase(input), want, input);
});

test('renderList: headers from the map, else from field names; default formats always tabulate', () => {
  const rows = [
    { ID: 'abc', CreatedAt: 'now', IPAddress: '10.0.0.1', Fn: () => 'called' },
    { ID: 'defghijklmnop', CreatedAt: 'then', IPAddress: '', Fn: () => 'again' },
  ];
  const headers = { ID: 'container id' };
  assert.equal(
    renderList({ format: 'table {{.ID}} {{.CreatedAt}} {{.IPAddress}} {{.Fn}}', rows, headers }),
    'CONTAINER ID   CREATED AT  IP ADDRESS  FN\nabc            now         10.0.0.1    called\ndefghijklmnop  then                    again\n',
  );
  // Podman's own format: no "table" needed, headers and alignment regardless.
  assert.equal(
    renderList({ rows, headers, defaultFormat: '{{range .}}{{.ID}}\\t{{.CreatedAt}}\\n{{end -}}' }),
    'CONTAINER ID   CREATED AT\nabc            now\ndefghijklmnop  then\n',
  );
  // With no rows the fields come from the template, so the header line is still right.
  assert.equal(renderList({ format: 'table {{.Names}}\\t{{.ID}}', rows: [], headers }), 'NAMES       CONTAINER ID\n');
  assert.equal(renderList({ format: '{{.ID}}', rows: [], headers }), '');
});

test('renderList: a failing row keeps the output before it, aligned as Podman flushes it', () => {
  const rows = [{ Name: 'a' }, { Name: 'b', Bad: true }];
  const funcs = {
    check: (r: { Bad?: boolean; Name: string }) => {
      if (r.Bad) throw new Error(`bad row ${r.Name}`);
      return r.Name;
    },
  };
  try {
    renderList({ format: 'table {{.Name}}\\t{{check .}}', rows, name: 'ps', funcs });
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(err instanceof TemplateError);
    assert.equal(err.message, 'template: ps:1:23: executing "ps" at <check .>: error calling check: bad row b');
    assert.equal(err.partial, 'NAME        <no value>\na           a\nb');
  }
});

test('renderOne and renderEach: one object, or each item as inspect does', () => {
  assert.equal(renderOne('{{.A}}\\t{{.B}}', { A: 1, B: 'x' }, 'version'), '1\tx\n');
  assert.equal(renderOne('{{.A -}}', { A: 1 }), '1');
  assert.equal(renderEach('{{.A}}', [{ A: 1 }, { A: 2 }]), '1\n2\n');
  assert.throws(() => renderEach('{{.Nope}}', [{ A: 1 }]), { message: 'template: inspect:1:13: executing "inspect" at <.Nope>: can\'t evaluate field Nope in type object' });
});
