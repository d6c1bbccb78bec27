/**
 * image mount / image unmount against podman: the same mount point under each store, the
 * same counting, the files read-only, and no mount left behind by rmi.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, Podman, Sandbox } from './harness.ts';
import { digest, tarOf } from './registry.ts';

describe('image mount and unmount, as podman', () => {
  let sb: Sandbox;
  let podman: Podman;
  const image = 'localhost/busybox:latest';
  const mounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(sb.root)).length;

  before(() => {
    sb = new Sandbox('skiff-image-mount');
    podman = new Podman();
    importBusybox(sb, podman);
  });
  after(() => {
    podman?.cleanup();
    sb?.cleanup();
  });

  it('mounts read-only at <store>/overlay/<top layer>/merged, counted, as podman does', () => {
    const path = sb.ok(['image', 'mount', image]).trim();
    const theirs = podman.ok(['image', 'mount', image]).trim();
    assert.equal(path.slice(sb.root.length), theirs.slice(join(podman.dir, 'root').length));
    assert.equal(readFileSync(join(path, 'etc', 'passwd'), 'utf8').split('\n')[0], readFileSync(join(theirs, 'etc', 'passwd'), 'utf8').split('\n')[0]);
    assert.throws(() => writeFileSync(join(path, 'new-file'), 'x'), /EROFS/);
    // A second mount counts; one unmount leaves it mounted, the next unmounts it.
    assert.equal(sb.ok(['image', 'mount', image]).trim(), path);
    assert.equal(sb.ok(['image', 'mount']), `${image}  ${path}\n`);
    const json = JSON.parse(sb.ok(['image', 'mount', '--format', 'json'])) as { id: string; Repositories: string[]; mountpoint: string }[];
    assert.deepEqual(json.map((j) => [j.Repositories, j.mountpoint]), [[[image], path]]);
    const id = sb.ok(['image', 'inspect', '--format', '{{.Id}}', image]);
    assert.equal(sb.ok(['image', 'unmount', image]), id);
    assert.equal(sb.ok(['image', 'mount']), `${image}  ${path}\n`);
    assert.equal(sb.ok(['image', 'unmount', image]), id);
    assert.equal(sb.ok(['image', 'mount']), '');
    assert.equal(mounts(), 0);
    podman.ok(['image', 'unmount', '-a']);
  });

  it('errors as podman: no image given, an unknown image', () => {
    for (const args of [['image', 'mount', 'nosuch'], ['image', 'unmount', 'nosuch']]) {
      const s = sb.skiff(args);
      const p = podman.run(args);
      assert.equal(s.code, p.code, args.join(' '));
      assert.equal(s.stderr, p.stderr, args.join(' '));
    }
  });

  it('rmi of a mounted image unmounts it first: nothing stays mounted, nothing is deleted through the mount', () => {
    sb.ok(['tag', image, 'localhost/mounted:1']);
    sb.ok(['image', 'mount', 'localhost/mounted:1']);
    sb.ok(['rmi', '-f', 'localhost/mounted:1', image]);
    assert.equal(mounts(), 0);
    importBusybox(sb, podman);
  });

  it('an image of 45 layers, whose lower directories do not fit one page: mounted through the short links, for an image mount and a container', () => {
    // An OCI layout with one small file per layer, loaded into the store.
    const layout = join(sb.dir, 'tall');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const put = (data: Buffer) => {
      const d = digest(data);
      writeFileSync(join(layout, 'blobs', 'sha256', d.slice('sha256:'.length)), data);
      return { digest: d, size: data.length };
    };
    const base = readFileSync(join(sb.dir, 'rootfs.tar'));
    const tars = [base, ...Array.from({ length: 44 }, (_, i) => tarOf(`layer-${i}.txt`, Buffer.from(`${i}\n`)))];
    const layers = tars.map((t) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(t) }));
    const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: tars.map((t) => digest(t)) } })));
    const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })));
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'localhost/tall:1' } }] }));
    sb.ok(['load', '-i', layout]);
    const lowers = 45 * join(sb.root, 'overlay', 'x'.repeat(64), 'diff').length;
    assert.ok(lowers > 4096, `the test needs lower directories longer than a page (${lowers})`);
    const path = sb.ok(['image', 'mount', 'localhost/tall:1']).trim();
    assert.equal(readFileSync(join(path, 'layer-43.txt'), 'utf8'), '43\n');
    sb.ok(['image', 'unmount', 'localhost/tall:1']);
    assert.equal(sb.ok(['run', '--rm', 'localhost/tall:1', 'cat', '/layer-0.txt', '/layer-43.txt']), '0\n43\n');
    sb.ok(['rmi', 'localhost/tall:1']);
    assert.equal(mounts(), 0);
  });
});
