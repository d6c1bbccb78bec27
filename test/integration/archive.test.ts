import assert from 'node:assert/strict';
import { utimesSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, Podman, run, Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-archive');
const podman = new Podman();
let id = '';

before(() => {
  const tarPath = join(sb.dir, 'rootfs.tar');
  writeFileSync(tarPath, busyboxTar());
  utimesSync(tarPath, 0, 0);
  id = sb.ok(['import', '--change', 'CMD ["/bin/sh"]', tarPath, 'localhost/busybox:latest']).trim().slice(7);
});
after(() => {
  sb.cleanup();
  podman.cleanup();
});

function skopeo(args: string[]): string {
  const r = run('skopeo', ['--insecure-policy', ...args]);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Loads an archive into a fresh skiff store and returns what `load` printed and the image ID. */
function loadFresh(path: string): { out: string; ids: string } {
  const fresh = new Sandbox('skiff-load');
  try {
    const out = fresh.ok(['load', '-i', path]);
    return { out, ids: fresh.ok(['images', '-q', '--no-trunc']) };
  } finally {
    fresh.cleanup();
  }
}

describe('save and load, read and written by skopeo, umoci and podman', () => {
  it('docker-archive (default): podman\'s layout, skopeo and podman read it, skiff loads it back', () => {
    const out = join(sb.dir, 'da.tar');
    sb.ok(['save', '-o', out, 'busybox']);
    const names = run('tar', ['-tf', out]).stdout.split('\n').filter(Boolean);
    assert.ok(names.includes('manifest.json') && names.includes('repositories') && names.includes(`${id}.json`));
    const manifest = JSON.parse(run('tar', ['-xOf', out, 'manifest.json']).stdout);
    assert.deepEqual(manifest[0].RepoTags, ['localhost/busybox:latest']);
    const inspect = JSON.parse(skopeo(['inspect', `docker-archive:${out}`]));
    assert.equal(inspect.Os, 'linux');
    assert.equal(podman.ok(['load', '-i', out]), 'Loaded image: localhost/busybox:latest\n');
    assert.equal(podman.ok(['image', 'inspect', '--format', '{{.Id}}', 'localhost/busybox:latest']).trim(), id);
    const back = loadFresh(out);
    assert.equal(back.out, 'Loaded image: localhost/busybox:latest\n');
    assert.equal(back.ids, `sha256:${id}\n`);
  });

  it('oci-archive: skopeo inspects it, skiff loads it back with the name', () => {
    const out = join(sb.dir, 'oa.tar');
    sb.ok(['save', '--format', 'oci-archive', '-o', out, 'busybox']);
    const raw = JSON.parse(skopeo(['inspect', '--raw', `oci-archive:${out}`]));
    assert.equal(raw.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(raw.config.digest, `sha256:${id}`);
    const index = JSON.parse(run('tar', ['-xOf', out, 'index.json']).stdout);
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'localhost/busybox:latest');
    const back = loadFresh(out);
    assert.equal(back.out, 'Loaded image: localhost/busybox:latest\n');
    assert.equal(back.ids, `sha256:${id}\n`);
  });

  it('oci-dir: umoci and skopeo read the layout', () => {
    const out = join(sb.dir, 'ocidir');
    sb.ok(['save', '--format', 'oci-dir', '-o', out, 'busybox']);
    assert.equal(readFileSync(join(out, 'oci-layout'), 'utf8'), '{"imageLayoutVersion": "1.0.0"}');
    assert.match(run('umoci', ['ls', '--layout', out]).stdout, /localhost\/busybox:latest/);
    const copy = join(sb.dir, 'copied');
    skopeo(['copy', '-q', `oci:${out}:localhost/busybox:latest`, `dir:${copy}`]);
    assert.equal(loadFresh(out).ids, `sha256:${id}\n`);
  });

  it('docker-dir: the dir: transport layout', () => {
    const out = join(sb.dir, 'dockdir');
    sb.ok(['save', '--format', 'docker-dir', '-o', out, 'busybox']);
    assert.equal(readFileSync(join(out, 'version'), 'utf8'), 'Directory Transport Version: 1.1\n');
    const inspect = JSON.parse(skopeo(['inspect', '--config', `dir:${out}`]));
    assert.equal(inspect.os, 'linux');
    assert.equal(loadFresh(out).ids, `sha256:${id}\n`);
  });

  it('loads archives made by skopeo copy, gzip layers included', () => {
    const src = join(sb.dir, 'oa.tar');
    for (const dest of ['docker-archive', 'oci-archive']) {
      const path = join(sb.dir, `skopeo-${dest}.tar`);
      skopeo(['copy', '-q', `oci-archive:${src}`, `${dest}:${path}:localhost/copied:1`]);
      const back = loadFresh(path);
      assert.equal(back.ids, `sha256:${id}\n`, dest);
    }
  });

  it('loads podman save output, and podman loads skiff\'s (multi-image docker-archive)', () => {
    const tarPath = join(sb.dir, 'rootfs.tar');
    podman.ok(['import', '-q', '--change', 'ENV P=1', tarPath, 'localhost/frompodman:1']);
    const psave = join(sb.dir, 'podman-save.tar');
    podman.ok(['save', '-q', '-o', psave, 'localhost/frompodman:1']);
    assert.equal(sb.ok(['load', '-i', psave]), 'Loaded image: localhost/frompodman:1\n');
    // Same ID as in podman; same digest as podman gives the same archive when it loads it.
    const reload = new Podman();
    try {
      reload.ok(['load', '-q', '-i', psave]);
      const want = reload.ok(['image', 'inspect', '--format', '{{.Id}} {{.Digest}} {{.Size}}', 'localhost/frompodman:1']);
      assert.equal(sb.ok(['image', 'inspect', '--format', '{{.Id}} {{.Digest}} {{.Size}}', 'localhost/frompodman:1']), want);
    } finally {
      reload.cleanup();
    }
    const multi = join(sb.dir, 'multi.tar');
    sb.ok(['save', '-m', '-o', multi, 'busybox', 'localhost/frompodman:1']);
    const fresh = new Podman();
    try {
      assert.equal(fresh.ok(['load', '-i', multi]), 'Loaded image: localhost/busybox:latest\nLoaded image: localhost/frompodman:1\n');
    } finally {
      fresh.cleanup();
    }
  });

  it('save to stdout and load from stdin', () => {
    const r = run('sh', ['-c', `"$0" --root "$1" --runroot "$2" save busybox | gzip | "$0" --root "$3" --runroot "$4" load`, ...[join(import.meta.dirname, '..', '..', 'bin', 'skiff'), sb.root, sb.runroot, join(sb.dir, 'r2'), join(sb.dir, 'rr2')]]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'Loaded image: localhost/busybox:latest\n');
  });
});
