import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, Podman, run, Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-layers');
const podman = new Podman();
let archive = '';

/** A two-layer docker-archive made by hand: busybox, then a layer that adds a file and whites one out. */
function buildArchive(dir: string): string {
  const base = busyboxTar();
  const l2dir = join(dir, 'l2');
  mkdirSync(join(l2dir, 'etc'), { recursive: true });
  writeFileSync(join(l2dir, 'etc', 'motd'), 'hello from layer two\n');
  writeFileSync(join(l2dir, 'etc', '.wh.group'), '');
  const out = join(dir, 'archive');
  mkdirSync(out, { recursive: true });
  run('tar', ['-C', l2dir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', join(out, 'l2.tar'), 'etc']);
  writeFileSync(join(out, 'l1.tar'), base);
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const d1 = sha(base);
  const d2 = sha(readFileSync(join(out, 'l2.tar')));
  const config = {
    created: '2020-01-02T03:04:05Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Labels: { stage: 'two' } },
    rootfs: { type: 'layers', diff_ids: [d1, d2] },
    history: [
      { created: '2020-01-01T00:00:00Z', created_by: 'ADD busybox /' },
      { created: '2020-01-02T00:00:00Z', created_by: 'LABEL stage=two', empty_layer: true },
      { created: '2020-01-02T03:04:05Z', created_by: 'RUN echo hello > /etc/motd && rm /etc/group', comment: 'second' },
    ],
  };
  const cfg = Buffer.from(JSON.stringify(config));
  const cfgName = `${sha(cfg).slice(7)}.json`;
  writeFileSync(join(out, cfgName), cfg);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify([{ Config: cfgName, RepoTags: ['localhost/two:layers'], Layers: ['l1.tar', 'l2.tar'] }]));
  const path = join(dir, 'two.tar');
  run('tar', ['-C', out, '-cf', path, 'manifest.json', cfgName, 'l1.tar', 'l2.tar']);
  return path;
}

before(() => {
  archive = buildArchive(sb.dir);
  sb.ok(['load', '-i', archive]);
  podman.ok(['load', '-q', '-i', archive]);
});
after(() => {
  sb.cleanup();
  podman.cleanup();
});

describe('a two-layer image with a whiteout', () => {
  it('loads with Podman\'s ID, digest, layer IDs, size, history and tree', () => {
    const fmt = '{{.Id}} {{.Digest}} {{.Size}} {{.RootFS.Layers}} {{.Labels}} {{.Parent}}';
    assert.equal(sb.ok(['image', 'inspect', '--format', fmt, 'two:layers']), podman.ok(['image', 'inspect', '--format', fmt, 'two:layers']));
    for (const args of [['image', 'tree', 'two:layers'], ['history', 'two:layers'], ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}', 'two:layers'], ['images', '--filter', 'label=stage=two'], ['images', '--filter', 'label=stage=one']]) {
      assert.equal(sb.ok(args), podman.ok(args), args.join(' '));
    }
  });

  it('stores the whiteout in overlay form in the upper layer only', () => {
    const data = JSON.parse(sb.ok(['image', 'inspect', 'two:layers']))[0].GraphDriver.Data;
    const upper = data.UpperDir as string;
    const lower = data.LowerDir as string;
    assert.equal(readFileSync(join(upper, 'etc', 'motd'), 'utf8'), 'hello from layer two\n');
    const wh = statSync(join(upper, 'etc', 'group'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'etc/group is a 0:0 char device');
    assert.ok(statSync(join(lower, 'etc', 'group')).isFile(), 'the lower layer keeps its file');
  });

  it('saves both layers byte for byte; podman loads the result to the same image', () => {
    const out = join(sb.dir, 'resaved.tar');
    sb.ok(['save', '-o', out, 'two:layers']);
    const fresh = new Podman();
    try {
      fresh.ok(['load', '-q', '-i', out]);
      const fmt = '{{.Id}} {{.RootFS.Layers}}';
      assert.equal(fresh.ok(['image', 'inspect', '--format', fmt, 'two:layers']), sb.ok(['image', 'inspect', '--format', fmt, 'two:layers']));
    } finally {
      fresh.cleanup();
    }
  });

  it('removing the image removes both layers; a shared base layer stays while used', () => {
    sb.ok(['import', '-', 'base:1'], { input: busyboxTar() });
    const layersBefore = run('sh', ['-c', `ls ${join(sb.root, 'overlay')} | grep -v '^l$' | wc -l`]).stdout.trim();
    assert.equal(layersBefore, '2', 'the imported busybox layer is the loaded image\'s base layer');
    sb.ok(['rmi', 'two:layers']);
    assert.equal(run('sh', ['-c', `ls ${join(sb.root, 'overlay')} | grep -v '^l$' | wc -l`]).stdout.trim(), '1');
    assert.equal(sb.ok(['images', '--format', '{{.Repository}}']), 'localhost/base\n');
    sb.ok(['save', '-o', join(sb.dir, 'base.tar'), 'base:1']);
  });
});
