import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, run, Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-bad');
let good = '';
let before1: string[] = [];

before(() => {
  good = join(sb.dir, 'good.tar');
  sb.ok(['import', '-', 'localhost/keep:1'], { input: busyboxTar() });
  sb.ok(['save', '-o', good, 'keep:1']);
  before1 = sb.snapshot();
});
after(() => sb.cleanup());

function file(name: string, content: string | Buffer): string {
  const p = join(sb.dir, name);
  writeFileSync(p, content);
  return p;
}

/** A tar (made by GNU tar) holding the given members. */
function tarOf(name: string, members: Record<string, string>): string {
  const dir = join(sb.dir, `${name}.d`);
  mkdirSync(dir, { recursive: true });
  for (const [m, content] of Object.entries(members)) writeFileSync(join(dir, m), content);
  const out = join(sb.dir, name);
  const r = run('tar', ['-C', dir, '-cf', out, ...Object.keys(members)]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

describe('bad input: one line, exit 125, the store unchanged', () => {
  const cases: { name: string; args: () => string[]; input?: () => Buffer; stderr: RegExp; code?: number }[] = [
    { name: 'import of a missing file', args: () => ['import', '/nonexistent/x.tar'], stderr: /^Error: error opening "\/nonexistent\/x.tar": open \/nonexistent\/x.tar: no such file or directory\n$/ },
    { name: 'import of a non-tar', args: () => ['import', file('notar', 'hello\n')], stderr: /^Error: .*invalid tar archive/ },
    { name: 'import of a truncated tar', args: () => ['import', file('trunc.tar', busyboxTar().subarray(0, 100_000))], stderr: /^Error: .*(truncated|unexpected end)/i },
    { name: 'import with a bad --change', args: () => ['import', '-c', 'FOO=bar', good], stderr: /^Error: invalid change "FOO=bar" - invalid instruction FOO\n$/ },
    { name: 'import with an invalid name', args: () => ['import', good, 'Foo:bar'], stderr: /^Error: .*(repository name must be lowercase|invalid reference format)/ },
    { name: 'load of a missing file', args: () => ['load', '-i', '/nonexistent/x.tar'], stderr: /^Error: stat \/nonexistent\/x.tar: no such file or directory\n$/ },
    { name: 'load of a non-archive', args: () => ['load', '-i', file('notar2', 'hello\n')], stderr: /^Error: payload does not match any of the supported image formats/ },
    { name: 'load of a rootfs tar', args: () => ['load', '-i', file('rootfs.tar', busyboxTar())], stderr: /^Error: payload does not match any of the supported image formats/ },
    { name: 'load of a truncated archive', args: () => ['load', '-i', file('trunc2.tar', run('head', ['-c', '700000', good]).stdout)], stderr: /^Error: / },
    {
      name: 'load with a manifest naming a missing member',
      args: () => ['load', '-i', tarOf('wrong.tar', { 'manifest.json': JSON.stringify([{ Config: 'nope.json', RepoTags: ['x:1'], Layers: ['l.tar'] }]) })],
      stderr: /^Error: .*nope\.json/,
    },
    { name: 'load with a manifest that is not JSON', args: () => ['load', '-i', tarOf('badjson.tar', { 'manifest.json': '{nope' })], stderr: /^Error: invalid .*manifest\.json/ },
    { name: 'save of an unknown image', args: () => ['save', '-o', join(sb.dir, 'x.tar'), 'nosuch'], stderr: /^Error: nosuch: image not known\n$/ },
    { name: 'save with a bad format', args: () => ['save', '--format', 'bogus', '-o', join(sb.dir, 'y.tar'), 'keep:1'], stderr: /^Error: format value must be one of oci-dir oci-archive docker-dir docker-archive\n$/ },
    { name: 'tag of an unknown image', args: () => ['tag', 'nosuch', 'x:1'], stderr: /^Error: nosuch: image not known\n$/ },
    { name: 'tag to an invalid reference', args: () => ['tag', 'keep:1', 'Foo:bar'], stderr: /^Error: .*(repository name must be lowercase|invalid reference format)/ },
    { name: 'inspect of an invalid digest reference', args: () => ['image', 'inspect', 'a@sha256:short'], stderr: /^Error: inspecting object: / },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = sb.skiff(c.args());
      assert.match(r.stderr, c.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.equal(r.code, c.code ?? 125);
      assert.deepEqual(sb.snapshot(), before1);
      assert.equal(sb.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), 'localhost/keep:1\n');
    });
  }
});

describe('ID prefixes', () => {
  it('an ambiguous prefix is "not known", as in Podman', () => {
    const amb = new Sandbox('skiff-amb');
    try {
      // Import distinct images until two IDs share a first hex digit (at most 17 by pigeonhole).
      const byFirst = new Map<string, string>();
      let shared = '';
      for (let i = 0; i < 17 && !shared; i++) {
        const id = amb.ok(['import', '--change', `ENV N=${i}`, '-', `localhost/amb:${i}`], { input: busyboxTar() }).trim().slice(7);
        if (byFirst.has(id[0])) shared = id[0];
        byFirst.set(id[0], id);
      }
      assert.ok(shared);
      const r = amb.skiff(['image', 'inspect', shared]);
      assert.equal(r.stderr, `Error: inspecting object: ${shared}: image not known\n`);
      assert.equal(r.code, 125);
      assert.equal(amb.ok(['image', 'inspect', '--format', '{{.Id}}', byFirst.get(shared)!.slice(0, 12)]).trim(), byFirst.get(shared));
    } finally {
      amb.cleanup();
    }
  });
});
