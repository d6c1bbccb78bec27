import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, Podman, Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-images');
const podman = new Podman();
let tarPath = '';
before(() => {
  tarPath = join(sb.dir, 'rootfs.tar');
  writeFileSync(tarPath, busyboxTar());
  utimesSync(tarPath, 0, 0);
});
after(() => {
  sb.cleanup();
  podman.cleanup();
});

/** Runs the same command on skiff and podman (same store content) and expects the same stdout. */
function same(args: string[]): string {
  const s = sb.skiff(args);
  const p = podman.run(args);
  assert.equal(s.stdout, p.stdout, `stdout of ${args.join(' ')}`);
  assert.equal(s.code, p.code, `exit code of ${args.join(' ')}`);
  return s.stdout;
}

describe('import and the local image commands', () => {
  let id = '';

  it('imports a rootfs tarball and prints sha256:ID', () => {
    const out = sb.ok(['import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV A=1', tarPath, 'busybox']);
    assert.match(out, /^sha256:[0-9a-f]{64}\n$/);
    id = out.trim().slice(7);
  });

  it('gives the image the same ID and digest as podman import of the same file', () => {
    {
      const pid = podman.ok(['import', '-q', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV A=1', tarPath, 'busybox']).trim();
      assert.equal(pid, `sha256:${id}`);
      const pinspect = JSON.parse(podman.ok(['image', 'inspect', 'localhost/busybox:latest']))[0];
      const sinspect = JSON.parse(sb.ok(['image', 'inspect', 'localhost/busybox:latest']))[0];
      for (const key of ['Id', 'Digest', 'RepoTags', 'RepoDigests', 'Comment', 'Created', 'Config', 'Architecture', 'Os', 'Size', 'RootFS', 'ManifestType', 'History', 'Labels', 'Annotations']) {
        assert.deepEqual(sinspect[key], pinspect[key], key);
      }
      assert.deepEqual(Object.keys(sinspect), Object.keys(pinspect));
    }
  });

  it('short names resolve to localhost/ and IDs by prefix', () => {
    for (const ref of ['busybox', 'busybox:latest', 'localhost/busybox', id, id.slice(0, 12), id.slice(0, 4), `sha256:${id}`]) {
      assert.equal(sb.ok(['image', 'inspect', '--format', '{{.Id}}', ref]).trim(), id, ref);
    }
    assert.equal(sb.skiff(['image', 'exists', 'busybox']).code, 0);
    assert.equal(sb.skiff(['image', 'exists', 'nosuch']).code, 1);
  });

  it('images prints Podman\'s table', () => {
    const out = same(['images']);
    assert.match(out.split('\n')[1], new RegExp(`^localhost/busybox  latest      ${id.slice(0, 12)}  \\d+ years ago  [0-9.]+ MB$`));
    same(['images', '--format', 'json']);
    same(['images', '--digests']);
    same(['images', '--format', '{{.ID}} {{.Size}} {{.Created}} {{.Digest}} {{.Names}}']);
    assert.equal(sb.ok(['images', '-q']), `${id.slice(0, 12)}\n`);
    assert.equal(sb.ok(['images', '-q', '--no-trunc']), `sha256:${id}\n`);
    assert.equal(sb.ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']), `localhost/busybox:latest ${id.slice(0, 12)}\n`);
    assert.equal(sb.ok(['images', '--format', 'table {{.Repository}}\t{{.Tag}}', '--noheading']), 'localhost/busybox  latest\n');
  });

  it('tag, untag, history and tree', () => {
    sb.ok(['tag', 'busybox', 'other:1', 'quay.io/x/y:2']);
    podman.ok(['tag', 'busybox', 'other:1', 'quay.io/x/y:2']);
    same(['images']);
    same(['history', 'busybox']);
    same(['history', '--no-trunc', 'busybox']);
    same(['history', '--format', 'json', 'busybox']);
    same(['images', '--format', '{{json .}}']);
    same(['image', 'inspect', '--format', '{{.ID}} {{.Id}} {{len .RepoTags}}', 'busybox']);
    same(['images', '--format', '{{.Labels.nope}} {{.VirtualSize}} {{.SharedSize}}']);
    same(['image', 'tree', 'busybox']);
    const names = JSON.parse(sb.ok(['image', 'inspect', 'busybox']))[0].RepoTags;
    assert.deepEqual(names, ['localhost/busybox:latest', 'localhost/other:1', 'quay.io/x/y:2']);
    assert.equal(sb.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', '--sort', 'repository']), 'localhost/busybox:latest\nlocalhost/other:1\nquay.io/x/y:2\n');
    // A filter selects images; every name of a selected image is listed (as Podman does).
    same(['images', '--filter', 'reference=other']);
    same(['images', 'other']);
    same(['images', '--filter', 'reference=*/x/*']);
    same(['images', '--filter', 'reference=nomatch']);
    sb.ok(['untag', 'busybox', 'other:1']);
    const r = sb.skiff(['untag', 'busybox', 'other:1']);
    assert.equal(r.stderr, 'Error: localhost/other:1: tag not known\n');
    assert.equal(r.code, 125);
    podman.ok(['untag', 'busybox', 'other:1']);
    same(['image', 'tree', 'busybox']);
  });

  it('rmi of one of several names untags; of the last deletes', () => {
    assert.equal(sb.ok(['rmi', 'quay.io/x/y:2']), 'Untagged: quay.io/x/y:2\n');
    const r = sb.skiff(['rmi', 'nosuch1', 'nosuch2']);
    assert.equal(r.stderr, 'Error: 2 errors occurred:\n\t* nosuch1: image not known\n\t* nosuch2: image not known\n');
    assert.equal(r.code, 1);
    assert.equal(sb.skiff(['rmi', 'nosuch']).code, 1);
    assert.equal(sb.skiff(['rmi', '-i', 'nosuch']).code, 0);
    assert.equal(sb.ok(['rmi', 'busybox']), `Untagged: localhost/busybox:latest\nDeleted: ${id}\n`);
    assert.equal(sb.ok(['images', '-a']), 'REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n');
    assert.deepEqual(sb.snapshot().filter((p) => /^overlay\/[0-9a-f]|^vfs\/[0-9a-f]|^blobs\/sha256\/./.test(p)), []);
  });

  it('prune removes dangling images, prune -a unused ones', () => {
    const a = sb.ok(['import', tarPath]).trim().slice(7);
    sb.ok(['import', '--change', 'ENV X=1', tarPath, 'named']);
    assert.match(sb.ok(['images']), /<none> +<none>/);
    assert.equal(sb.ok(['images', '--filter', 'dangling=true', '-q', '--no-trunc']), `sha256:${a}\n`);
    assert.equal(sb.ok(['image', 'prune', '-f']), `${a}\n`);
    assert.equal(sb.ok(['image', 'prune', '-f']), '');
    assert.match(sb.ok(['image', 'prune', '-a', '-f']), /^[0-9a-f]{64}\n$/);
    assert.equal(sb.ok(['images', '-q']), '');
  });
});
