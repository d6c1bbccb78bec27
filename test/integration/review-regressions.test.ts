/**
 * Regressions found by comparing skiff with podman 4.3.1: each case runs on both (same store
 * content) where podman is the reference, or checks skiff's own stricter rule.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, Podman, REPO, run, Sandbox } from './harness.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A docker-archive from parts: layers as tar buffers (optionally gzipped in the archive). */
function dockerArchive(dir: string, name: string, images: { tags: unknown; layers: Buffer[]; history?: object[]; gzip?: boolean }[]): string {
  const out = join(dir, `${name}.d`);
  mkdirSync(out, { recursive: true });
  const manifest = images.map((img, n) => {
    const layerNames = img.layers.map((l, i) => {
      const file = `img${n}-layer${i}.tar${img.gzip ? '.gz' : ''}`;
      writeFileSync(join(out, file), img.gzip ? gzipSync(l) : l);
      return file;
    });
    const config = Buffer.from(JSON.stringify({
      created: '2020-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config: {},
      rootfs: { type: 'layers', diff_ids: img.layers.map(sha) },
      history: img.history ?? img.layers.map((_, i) => ({ created: '2020-01-01T00:00:00Z', created_by: `step ${i}` })),
    }));
    const cfgName = `${sha(config).slice(7)}.json`;
    writeFileSync(join(out, cfgName), config);
    return { Config: cfgName, RepoTags: img.tags, Layers: layerNames };
  });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
  const path = join(dir, `${name}.tar`);
  run('tar', ['-C', out, '-cf', path, ...readdirSync(out)]);
  return path;
}

function smallLayer(dir: string, name: string, file: string): Buffer {
  const d = join(dir, `${name}.src`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, file), `${name}\n`);
  run('tar', ['-C', d, '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', join(dir, `${name}.layer`), file]);
  return readFileSync(join(dir, `${name}.layer`));
}

describe('review regressions', () => {
  let sb: Sandbox;
  let podman: Podman;
  before(() => {
    sb = new Sandbox('skiff-rr');
    podman = new Podman();
  });
  after(() => {
    sb.cleanup();
    podman.cleanup();
  });
  const both = (args: string[], input?: Buffer) => {
    const s = sb.skiff(args, { input });
    const p = podman.run(args, { input });
    return { s, p };
  };
  const same = (args: string[]) => {
    const { s, p } = both(args);
    assert.equal(s.stdout, p.stdout, `stdout of ${args.join(' ')}`);
    assert.equal(s.code, p.code, `exit code of ${args.join(' ')}: ${s.stderr} / ${p.stderr}`);
    return s;
  };

  it('save --format oci-dir adds to an existing directory and keeps the user\'s files; docker-dir refuses one', () => {
    sb.ok(['import', '-', 'localhost/t:1'], { input: busyboxTar() });
    const victim = join(sb.dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'notes.txt'), 'precious');
    sb.ok(['save', '--format', 'oci-dir', '-o', victim, 't:1']);
    assert.equal(readFileSync(join(victim, 'notes.txt'), 'utf8'), 'precious');
    assert.ok(existsSync(join(victim, 'index.json')));
    sb.ok(['tag', 't:1', 't:2']);
    sb.ok(['save', '--format', 'oci-dir', '-o', victim, 't:2']);
    const refs = JSON.parse(readFileSync(join(victim, 'index.json'), 'utf8')).manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name']);
    assert.deepEqual(refs, ['localhost/t:1', 'localhost/t:2']);
    const r = sb.skiff(['save', '--format', 'docker-dir', '-o', victim, 't:1']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /is not a containers image directory, don't want to overwrite important data/);
    assert.equal(readFileSync(join(victim, 'notes.txt'), 'utf8'), 'precious');
    sb.ok(['rmi', '-a', '-f']);
  });

  it('rmi by ID of an image with several names is refused unless forced; a digest with an unknown name is not known', () => {
    // From a file with a fixed mtime, so both engines make the same image (same ID).
    const tar = join(sb.dir, 'fixed.tar');
    writeFileSync(tar, busyboxTar());
    utimesSync(tar, 0, 0);
    for (const e of [sb, podman]) e.ok(['import', '--change', 'ENV R=1', tar, 'localhost/t:1']);
    both(['tag', 'localhost/t:1', 'localhost/t:2']);
    const id = sb.ok(['image', 'inspect', '--format', '{{.Id}}', 't:1']).trim();
    const digest = sb.ok(['image', 'inspect', '--format', '{{.Digest}}', 't:1']).trim();
    const { s, p } = both(['rmi', id.slice(0, 12)]);
    assert.equal(s.stderr, p.stderr);
    assert.equal(s.code, p.code);
    const d = both(['rmi', `nosuch@${digest}`]);
    assert.equal(d.s.code, d.p.code);
    assert.equal(d.s.stderr, d.p.stderr);
    same(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    same(['rmi', '-f', id]);
  });

  it('a short name prefers docker.io over an earlier tag in another repository', () => {
    const tar = busyboxTar();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(sb.ok(['import', '--change', `ENV N=${i}`, '-'], { input: tar }).trim().slice(7));
    }
    sb.ok(['tag', ids[0], 'quay.io/y/zzz']);
    sb.ok(['tag', ids[1], 'docker.io/library/zzz']);
    sb.ok(['tag', ids[2], 'quay.io/zzz']);
    assert.equal(sb.ok(['image', 'inspect', '--format', '{{.Id}}', 'zzz']).trim(), ids[1]);
    sb.ok(['rmi', '-a', '-f']);
  });

  it('parent and child images: rmi of a named base only untags; rmi -a removes all; a dangling parent goes with its child', () => {
    const l1 = smallLayer(sb.dir, 'base', 'a');
    const l2 = smallLayer(sb.dir, 'child', 'b');
    const h1 = [{ created: '2020-01-01T00:00:00Z', created_by: 'step 0' }];
    const h2 = [...h1, { created: '2020-01-01T00:00:00Z', created_by: 'step 1' }];
    const two = dockerArchive(sb.dir, 'two', [
      { tags: ['localhost/base:1'], layers: [l1], history: h1 },
      { tags: ['localhost/child:1'], layers: [l1, l2], history: h2 },
    ]);
    const untaggedBase = dockerArchive(sb.dir, 'two-untagged', [
      { tags: null, layers: [l1], history: h1 },
      { tags: ['localhost/child:1'], layers: [l1, l2], history: h2 },
    ]);
    for (const e of [sb, podman]) e.ok(['load', '-i', two]);
    same(['images', '-a']);
    same(['image', 'inspect', '--format', '{{.Parent}}', 'child:1']);
    same(['rmi', 'localhost/base:1']);
    same(['images', '-a', '--format', '{{.ID}} {{.Repository}}']);
    same(['rmi', '-a']);
    same(['images', '-a']);
    for (const e of [sb, podman]) e.ok(['load', '-i', untaggedBase]);
    same(['images', '-a', '--format', '{{.ID}} {{.Repository}}']);
    same(['rmi', 'localhost/child:1']);
    same(['images', '-a']);
  });

  it('an image that merely shares a top layer with another is not its child', () => {
    const tar = join(sb.dir, 'bb.tar');
    writeFileSync(tar, busyboxTar());
    utimesSync(tar, 0, 0);
    for (const e of [sb, podman]) {
      e.ok(['import', tar, 'localhost/named:1']);
      e.ok(['import', tar]);
    }
    same(['images', '--filter', 'dangling=true', '--format', '{{.ID}}']);
    same(['image', 'prune', '-f']);
    same(['images', '-a', '--format', '{{.Repository}}']);
    same(['rmi', '-a']);
  });

  it('loads a docker-archive whose layer member is gzip-compressed', () => {
    const l = smallLayer(sb.dir, 'gz', 'g');
    const path = dockerArchive(sb.dir, 'gz', [{ tags: ['localhost/gz:1'], layers: [l], gzip: true }]);
    const { s, p } = both(['load', '-i', path]);
    assert.equal(s.stdout, p.stdout);
    same(['image', 'inspect', '--format', '{{.Id}} {{.RootFS.Layers}}', 'gz:1']);
    both(['rmi', 'gz:1']);
  });

  it('a load that fails half way leaves nothing once the next write runs', () => {
    const good = smallLayer(sb.dir, 'half1', 'x');
    const bad = smallLayer(sb.dir, 'half2', 'y');
    const path = dockerArchive(sb.dir, 'half', [{ tags: ['localhost/half:1'], layers: [good, bad] }]);
    // Corrupt the second layer member after the config was written with its diffID.
    const dir = join(sb.dir, 'half.d');
    writeFileSync(join(dir, 'img0-layer1.tar'), smallLayer(sb.dir, 'half3', 'z'));
    run('tar', ['-C', dir, '-cf', path, ...readdirSync(dir)]);
    const r = sb.skiff(['load', '-i', path]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /does not match the expected/);
    sb.ok(['import', '-', 'localhost/after:1'], { input: busyboxTar() });
    const layers = readdirSync(join(sb.root, 'overlay')).filter((n) => n !== 'l');
    assert.equal(layers.length, 1, `only the imported layer remains: ${layers.join(' ')}`);
    assert.deepEqual(readdirSync(join(sb.root, 'tmp')), []);
    sb.ok(['rmi', '-a']);
  });

  it('filters: until= is accepted; malformed archive manifests are refused', () => {
    same(['images', '--filter', 'until=1h']);
    same(['image', 'prune', '-f', '--filter', 'until=2020-01-01T00:00:00Z']);
    const path = dockerArchive(sb.dir, 'badtags', [{ tags: 'abc', layers: [smallLayer(sb.dir, 'bt', 'q')] }]);
    const r = sb.skiff(['load', '-i', path]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /RepoTags is not a list of strings/);
  });

  it('bin/skiff works from a relative path', () => {
    assert.match(run('bin/skiff', ['--version'], { cwd: REPO }).stdout, /^skiff version/);
    assert.match(run('./skiff', ['--version'], { cwd: join(REPO, 'bin') }).stdout, /^skiff version/);
  });
});
