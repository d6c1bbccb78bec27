/**
 * Secrets end to end, side by side with real podman 4.3.1: the secret commands' output,
 * errors and exit codes; `--secret` in containers (the file's owner and mode, env secrets);
 * and that a value never lands where it must not: inspect, the container's spec and state in
 * the DB, its own layer, diff, export, a committed image, logs, or anywhere else in the store
 * but the secret store, the container's copies and its 0600 config.json.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomHex } from '../../src/util/random.ts';
import { importBusybox, Podman, run, Sandbox, SKIFF } from './harness.ts';

const sb = new Sandbox('skiff-secret');
const podman = new Podman();
// Values no file could hold by chance.
const VALUE = `mnt-${randomHex(12)}`;
const ENV_VALUE = `env-${randomHex(12)}`;
const podmanRoot = join(podman.dir, 'root');

before(() => {
  importBusybox(sb, podman);
  writeFileSync(join(sb.dir, 'value'), VALUE);
  writeFileSync(join(sb.dir, 'env-value'), ENV_VALUE);
  writeFileSync(join(sb.dir, 'empty'), '');
});
after(() => {
  sb.skiff(['rm', '-a', '-f', '-t', '0']);
  sb.cleanup();
  podman.cleanup();
});

const file = (name: string) => join(sb.dir, name);

function both(args: string[], input?: string) {
  const withNet = args[0] === 'run' || args[0] === 'create' ? [args[0], '--network', 'none', ...args.slice(1)] : args;
  return { s: sb.skiff(withNet, { input }), p: podman.run(withNet, { input }) };
}

/** The parts that differ between two stores: IDs, times, store paths, the program's name. */
function normalize(text: string, root: string): string {
  return text
    .replaceAll(root, '<root>')
    .replace(/\b[0-9a-f]{64}\b/g, '<cid>')
    .replace(/\b[0-9a-f]{25}\b/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC/g, '<time>')
    .replace(/(Less than a second|\d+ seconds?) ago/g, '<ago>')
    .replaceAll('podman', 'skiff');
}

/** Same normalized stdout and stderr, same exit code; `sortLines` for Podman's map-ordered lists. */
function same(args: string[], opts: { input?: string; sortLines?: boolean; columns?: boolean } = {}) {
  const { s, p } = both(args, opts.input);
  const shape = (t: string, root: string) => {
    let n = normalize(t, root);
    // Ages of different lengths move the tabwriter's columns.
    if (opts.columns) n = n.replace(/ {2,}/g, '  ');
    return opts.sortLines ? n.split('\n').sort().join('\n') : n;
  };
  assert.equal(shape(s.stdout, sb.root), shape(p.stdout, podmanRoot), `stdout of ${args.join(' ')}`);
  assert.equal(shape(s.stderr, sb.root), shape(p.stderr, podmanRoot), `stderr of ${args.join(' ')}`);
  assert.equal(s.code, p.code, `exit code of ${args.join(' ')}: skiff said ${s.stderr}`);
  return s;
}

function okBoth(args: string[]): { s: string; p: string } {
  const { s, p } = both(args);
  assert.equal(s.code, 0, `skiff ${args.join(' ')}: ${s.stderr}`);
  assert.equal(p.code, 0, `podman ${args.join(' ')}: ${p.stderr}`);
  return { s: s.stdout, p: p.stdout };
}

/** Every file under `dir` (not following links) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const want = Buffer.from(needle);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(want)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

describe('secret commands, as podman', () => {
  it('create prints a 25-hex ID and refuses what podman refuses', () => {
    const { s, p } = okBoth(['secret', 'create', 'sa', file('value')]);
    assert.match(s, /^[0-9a-f]{25}\n$/);
    assert.match(p, /^[0-9a-f]{25}\n$/);
    same(['secret', 'create', 'sa', file('value')]);
    same(['secret', 'create', 'bad name', file('value')]);
    same(['secret', 'create', 'sb', '/nonexistent/file']);
    same(['secret', 'create', 'sb', file('empty')]);
    same(['secret', 'create', 'sb', sb.dir]);
    same(['secret', 'create', '--driver', 'nosuch', 'sb', file('value')]);
    same(['secret', 'create', '--env', 'sb', 'SKIFF_TEST_UNSET_VARIABLE']);
    // stdin must be a pipe: the harness gives a socket, which podman refuses too.
    same(['secret', 'create', 'sb', '-'], { input: 'x' });
    same(['secret', 'create', '--driver-opts', 'novalue', 'sb', file('value')]);
    same(['secret', 'create', 'onlyone']);
    same(['secret', 'ls', 'extra']);
  });

  it('ls: the table, --format, --noheading, -q and --filter', () => {
    okBoth(['secret', 'create', '--label', 'team=web', '--label', 'tier', 'sb', file('value')]);
    okBoth(['secret', 'create', '--driver-opts', 'opt1=a,opt2=b', 'sc', file('env-value')]);
    same(['secret', 'ls'], { sortLines: true, columns: true });
    same(['secret', 'ls', '--noheading'], { sortLines: true, columns: true });
    same(['secret', 'ls', '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.CreatedAt}} {{.UpdatedAt}}'], { sortLines: true });
    same(['secret', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}'], { sortLines: true });
    same(['secret', 'ls', '--format', '{{.Name}}', '-q'], { sortLines: true });
    same(['secret', 'ls', '-q'], { sortLines: true });
    same(['secret', 'ls', '--filter', 'name=^s[ab]$', '--format', '{{.Name}}'], { sortLines: true });
    same(['secret', 'ls', '--filter', 'name=sa,name=sc', '--format', '{{.Name}}'], { sortLines: true });
    same(['secret', 'ls', '--filter', 'label=team']);
    same(['secret', 'ls', '--filter', 'name']);
    same(['secret', 'ls', '--format', '{{.Labels}}']);
    same(['secret', 'ls', '--filter', 'name=nomatch']);
  });

  it('inspect: the JSON, --format, --pretty and errors', () => {
    same(['secret', 'inspect', 'sb']);
    same(['secret', 'inspect', 'sc', 'sa', '--format', '{{.ID}} {{.Spec.Name}} {{.Spec.Labels}} {{.Spec.Driver}} {{.Spec.Driver.Options}} {{.CreatedAt}}']);
    same(['secret', 'inspect', '--pretty', 'sb', 'sa']);
    same(['secret', 'inspect', 'sa', 'nosuch', 'nosuch2']);
    same(['secret', 'inspect', 'nosuch']);
    same(['secret', 'inspect', '--format', '{{.Nope}}', 'sa']);
    same(['secret', 'inspect']);
    // An ID prefix finds the secret.
    const id = sb.ok(['secret', 'inspect', '--format', '{{.ID}}', 'sa']).trim();
    assert.equal(sb.ok(['secret', 'inspect', '--format', '{{.Spec.Name}}', id.slice(0, 6)]), 'sa\n');
    assert.doesNotMatch(sb.ok(['secret', 'inspect', 'sa']), new RegExp(VALUE));
  });

  it('rm: the IDs removed, missing ones (exit 125), --all, no arguments', () => {
    okBoth(['secret', 'create', 'sd', file('value')]);
    same(['secret', 'rm', 'sd', 'nosuch1', 'nosuch2']);
    same(['secret', 'rm', 'nosuch']);
    same(['secret', 'rm']);
    same(['secret', 'rm', '--all', 'sa']);
    same(['secret', 'rm', 'bad name']);
  });

  it('exists, create --replace, rm --ignore and inspect --showsecret, as later podman documents them', () => {
    assert.equal(sb.skiff(['secret', 'exists', 'sa']).code, 0);
    const id = sb.ok(['secret', 'inspect', '--format', '{{.ID}}', 'sa']).trim();
    assert.equal(sb.skiff(['secret', 'exists', id.slice(0, 8)]).code, 0);
    assert.equal(sb.skiff(['secret', 'exists', 'nosuch']).code, 1);

    const before = JSON.parse(sb.ok(['secret', 'inspect', 'sa']))[0];
    assert.equal(before.SecretData, undefined);
    const replaced = sb.ok(['secret', 'create', '--replace', 'sa', file('env-value')]).trim();
    assert.notEqual(replaced, id);
    const afterReplace = JSON.parse(sb.ok(['secret', 'inspect', '--showsecret', 'sa']))[0];
    assert.equal(afterReplace.ID, replaced);
    assert.equal(afterReplace.CreatedAt, before.CreatedAt);
    assert.ok(Date.parse(afterReplace.UpdatedAt) >= Date.parse(before.UpdatedAt));
    assert.equal(afterReplace.SecretData, ENV_VALUE);
    assert.equal(sb.ok(['secret', 'inspect', '--format', '{{.SecretData}}.', 'sa']), '.\n');
    // The old value went with the old ID.
    assert.deepEqual(filesContaining(join(sb.root, 'secrets'), VALUE).length, 1, 'only sb holds the first value now');
    sb.ok(['secret', 'create', '--replace', 'sa', file('value')]);

    const r = sb.skiff(['secret', 'rm', '--ignore', 'nosuch']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  });

  it('keeps the store 0700 with 0600 files, and values out of the database', () => {
    const home = join(sb.root, 'secrets');
    for (const d of [home, join(home, 'filedriver')]) assert.equal(statSync(d).mode & 0o777, 0o700, d);
    const files = readdirSync(join(home, 'filedriver'));
    assert.ok(files.length >= 3);
    for (const f of files) assert.equal(statSync(join(home, 'filedriver', f)).mode & 0o777, 0o600, f);
    for (const f of readdirSync(sb.root).filter((n) => n.startsWith('skiff.db'))) {
      const bytes = readFileSync(join(sb.root, f));
      assert.ok(!bytes.includes(VALUE) && !bytes.includes(ENV_VALUE), `${f} holds a value`);
    }
  });
});

describe('secrets in containers', () => {
  before(() => {
    okBoth(['secret', 'create', 'ce', file('env-value')]);
  });

  it('a mount secret is a file with the owner and mode asked for; an env secret a variable', () => {
    same(['run', '--rm', '--secret', 'sa', 'busybox', 'sh', '-c', 'stat -c "%n %u %g %a %s" /run/secrets/sa; cat /run/secrets/sa']);
    same(['run', '--rm', '--secret', 'sa,target=/etc/app/pass,uid=100,gid=200,mode=0440', 'busybox', 'sh', '-c', 'stat -c "%n %u %g %a" /etc/app/pass; cat /etc/app/pass']);
    // Podman 4.3.1 keeps one copy per secret, so the last mount's owner and mode win for all;
    // skiff keeps one per mount.
    const two = sb.ok(['run', '--rm', '--network', 'none', '--secret', 'sa,target=/etc/app/pass,uid=100,gid=200,mode=0440', '--secret', 'sa,target=rel', 'busybox', 'stat', '-c', '%n %u %g %a', '/etc/app/pass', '/run/secrets/rel']);
    assert.equal(two, '/etc/app/pass 100 200 440\n/run/secrets/rel 0 0 444\n');
    same(['run', '--rm', '--secret', 'ce,type=env', '--secret', 'ce,type=env,target=TOKEN', '-e', 'TOKEN=overridden', 'busybox', 'sh', '-c', 'echo "$ce $TOKEN"']);
    const env = sb.ok(['run', '--rm', '--network', 'none', '--secret', 'ce,type=env,target=API_KEY', 'busybox', 'env']);
    assert.match(env, new RegExp(`^API_KEY=${ENV_VALUE}$`, 'm'));
  });

  it('refuses bad --secret options and missing secrets as podman does', () => {
    for (const opt of ['nosuch', 'sa,type=foo', 'sa,bogus=1', 'sa,uid=abc', 'sa,mode=999', 'sa,type=env,uid=1', 'sa,target', ',type=env', 'type=env']) {
      same(['run', '--rm', '--secret', opt, 'busybox', 'true']);
    }
    assert.equal(sb.skiff(['ps', '-a', '-q']).stdout, '');
  });

  it('never puts a value in inspect, the DB, the container\'s layer, diff, export, a commit or the logs', () => {
    sb.ok(['run', '--name', 'leak', '--network', 'none', '--secret', 'sa', '--secret', 'ce,type=env,target=TOKEN', 'busybox', 'sh', '-c', 'test -s /run/secrets/sa && test -n "$TOKEN" && echo ok > /made-by-container']).trim();
    assert.equal(sb.ok(['logs', 'leak']), '');
    const inspect = sb.ok(['inspect', 'leak']);
    assert.ok(!inspect.includes(VALUE) && !inspect.includes(ENV_VALUE), 'inspect shows a value');
    const c = JSON.parse(inspect)[0];
    assert.ok(c.Config.Env.includes('TOKEN=*******'), c.Config.Env.join(' '));
    assert.deepEqual(c.Config.Secrets.map((s: { Name: string; Mode: number }) => [s.Name, s.Mode]), [['sa', 0o444]]);

    const cid = sb.ok(['inspect', '--format', '{{.Id}}', 'leak']).trim();
    const bundle = join(sb.root, 'containers', cid, 'userdata');
    assert.equal(statSync(join(bundle, 'config.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(bundle, 'secrets')).mode & 0o777, 0o700);

    for (const f of readdirSync(sb.root).filter((n) => n.startsWith('skiff.db'))) {
      const bytes = readFileSync(join(sb.root, f));
      assert.ok(!bytes.includes(VALUE) && !bytes.includes(ENV_VALUE), `${f} holds a value`);
    }
    assert.deepEqual(filesContaining(join(sb.root, 'containers', cid, 'fs'), VALUE), []);
    assert.deepEqual(filesContaining(join(sb.root, 'containers', cid, 'fs'), ENV_VALUE), []);
    const diff = sb.ok(['diff', 'leak']);
    assert.match(diff, /^A \/made-by-container$/m);
    assert.doesNotMatch(diff, /secret/);

    const exported = join(sb.dir, 'leak.tar');
    sb.ok(['export', '-o', exported, 'leak']);
    const tar = readFileSync(exported);
    assert.ok(tar.includes('made-by-container') && !tar.includes(VALUE) && !tar.includes(ENV_VALUE), 'export');

    sb.ok(['commit', '-q', 'leak', 'localhost/leaked']);
    const saved = join(sb.dir, 'leaked.tar');
    sb.ok(['save', '-o', saved, 'localhost/leaked']);
    const image = readFileSync(saved);
    assert.ok(image.includes('made-by-container') && !image.includes(VALUE) && !image.includes(ENV_VALUE), 'commit');

    // Across the whole store, a value is only in the secret store, the container's copy and
    // (the env value, which the runtime must get) its 0600 config.json; never in the run root.
    const rel = (paths: string[]) => paths.map((p) => p.slice(sb.root.length + 1).replace(cid, '<cid>').replace(/filedriver\/[0-9a-f]{25}$/, 'filedriver/<id>')).sort();
    assert.deepEqual(rel(filesContaining(sb.root, VALUE)), ['containers/<cid>/userdata/secrets/0', 'secrets/filedriver/<id>', 'secrets/filedriver/<id>'].sort());
    assert.deepEqual(rel(filesContaining(sb.root, ENV_VALUE)), ['containers/<cid>/userdata/config.json', 'secrets/filedriver/<id>', 'secrets/filedriver/<id>']);
    assert.deepEqual(filesContaining(sb.runroot, VALUE).concat(filesContaining(sb.runroot, ENV_VALUE)), []);

    sb.ok(['rm', 'leak']);
    assert.ok(!existsSync(bundle), 'the bundle, config.json and the copies go with the container');
    assert.deepEqual(filesContaining(join(sb.root, 'containers'), ENV_VALUE), []);
  });

  it('a mount secret is copied at create; an env secret is needed at each start', () => {
    okBoth(['secret', 'create', 'gone', file('value')]);
    const s = sb.ok(['create', '--network', 'none', '--name', 'keeps', '--secret', 'gone', 'busybox', 'cat', '/run/secrets/gone']).trim();
    sb.ok(['secret', 'rm', 'gone']);
    assert.equal(sb.ok(['start', '-a', s]), VALUE);
    sb.ok(['rm', s]);

    okBoth(['secret', 'create', 'envgone', file('env-value')]);
    const { s: sid, p: pid } = okBoth(['create', '--secret', 'envgone,type=env', 'busybox', 'true']);
    okBoth(['secret', 'rm', 'envgone']);
    const r = { s: sb.skiff(['start', sid.trim()]), p: podman.run(['start', pid.trim()]) };
    // Podman puts `unable to start container "ID": ` before any error of `start`; skiff's
    // start adds it to the runtime's errors only.
    const why = 'no secret with name or id "envgone": no such secret\n';
    assert.equal(r.s.stderr, `Error: ${why}`);
    assert.ok(r.p.stderr.endsWith(why), r.p.stderr);
    assert.equal(r.s.code, r.p.code);
    sb.ok(['rm', sid.trim()]);
    podman.ok(['rm', pid.trim()]);
  });

  it('leaves no value behind once containers and secrets are gone', () => {
    sb.skiff(['rm', '-a', '-f', '-t', '0']);
    sb.ok(['secret', 'rm', '--all']);
    assert.equal(sb.ok(['secret', 'ls', '-q']), '');
    assert.deepEqual(filesContaining(sb.root, VALUE), []);
    assert.deepEqual(filesContaining(sb.root, ENV_VALUE), []);
    assert.equal(run(SKIFF, sb.args(['secret', 'exists', 'sa'])).code, 1);
  });
});
