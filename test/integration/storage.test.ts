import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { busyboxTar, run, Sandbox } from './harness.ts';

describe('storage drivers', () => {
  const sbs: Sandbox[] = [];
  after(() => {
    for (const s of sbs) s.cleanup();
  });

  it('overlay: each layer\'s own files in diff/, short links in l/, the tar reassembles byte for byte', () => {
    const sb = new Sandbox('skiff-overlay');
    sbs.push(sb);
    const id = sb.ok(['--storage-driver', 'overlay', 'import', '-', 'ov:1'], { input: busyboxTar() }).trim().slice(7);
    const inspect = JSON.parse(sb.ok(['image', 'inspect', 'ov:1']))[0];
    assert.equal(inspect.GraphDriver.Name, 'overlay');
    const upper = inspect.GraphDriver.Data.UpperDir as string;
    assert.ok(statSync(join(upper, 'bin', 'busybox')).isFile());
    assert.ok(readFileSync(join(upper, 'bin', 'busybox')).equals(readFileSync('/bin/busybox')));
    assert.equal(readFileSync(join(upper, 'etc', 'passwd'), 'utf8').split('\n')[0], 'root:x:0:0:root:/root:/bin/sh');
    const layerDir = join(upper, '..');
    const link = readFileSync(join(layerDir, 'link'), 'utf8');
    assert.match(link, /^[A-Z2-7]{26}$/);
    assert.equal(readdirSync(join(sb.root, 'overlay', 'l')).length, 1);
    assert.ok(existsSync(join(sb.root, 'overlay', 'l', link, 'bin', 'busybox')));
    // The saved layer is the imported tar, byte for byte.
    const out = join(sb.dir, 'x.tar');
    sb.ok(['save', '-o', out, 'ov:1']);
    const diffId = inspect.RootFS.Layers[0].slice(7);
    const layer = run('tar', ['-xOf', out, `${diffId}.tar`], {});
    assert.equal(layer.code, 0);
    assert.equal(run('sh', ['-c', `tar -xOf ${out} ${diffId}.tar | sha256sum`]).stdout.split(' ')[0], diffId);
    assert.ok(id);
  });

  it('vfs: a full tree per layer; the store keeps the driver it was created with', () => {
    const sb = new Sandbox('skiff-vfs');
    sbs.push(sb);
    sb.ok(['--storage-driver', 'vfs', 'import', '-', 'v:1'], { input: busyboxTar() });
    const inspect = JSON.parse(sb.ok(['image', 'inspect', 'v:1']))[0];
    assert.equal(inspect.GraphDriver.Name, 'vfs');
    assert.equal(JSON.parse(sb.ok(['info', '--format', 'json'])).store.graphDriverName, 'vfs');
    const r = sb.skiff(['--storage-driver', 'overlay', 'images']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: database storage driver "vfs" does not match our storage driver "overlay"/);
    const out = join(sb.dir, 'v.tar');
    sb.ok(['save', '-o', out, 'v:1']);
    const fresh = new Sandbox('skiff-vfs2');
    sbs.push(fresh);
    assert.equal(fresh.ok(['--storage-driver', 'vfs', 'load', '-i', out]), 'Loaded image: localhost/v:1\n');
  });
});
