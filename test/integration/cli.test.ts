import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-cli');
after(() => sb.cleanup());

describe('the command line, as Podman\'s', () => {
  it('--version and version', () => {
    assert.match(sb.ok(['--version']), /^skiff version \d+\.\d+\.\d+\n$/);
    assert.match(sb.ok(['-v']), /^skiff version /);
    assert.match(sb.ok(['version', '--format', '{{.Client.Version}}']), /^\d+\.\d+\.\d+\n$/);
    assert.equal(JSON.parse(sb.ok(['version', '--format', 'json'])).Client.Os, 'linux');
  });

  it('help lists commands and --help works on every command', () => {
    const top = sb.ok(['--help']);
    assert.match(top, /^Usage:\n {2}skiff \[options\] \[command\]$/m);
    assert.match(top, /^ {2}images +List images in local storage$/m);
    assert.equal(sb.ok(['help']), top);
    const images = sb.ok(['images', '--help']);
    assert.match(images, /^Usage:\n {2}skiff images \[options\] \[IMAGE\]$/m);
    assert.match(images, /^ {2}-a, --all +Show all images/m);
    assert.equal(sb.ok(['help', 'images']), images);
    assert.match(sb.ok(['image', 'ls', '-h']), /skiff image list \[options\] \[IMAGE\]|skiff image images/);
    for (const cmd of [['import'], ['load'], ['save'], ['tag'], ['untag'], ['rmi'], ['history'], ['info'], ['inspect'], ['image', 'tree'], ['image', 'prune'], ['image', 'exists']]) {
      const r = sb.skiff([...cmd, '--help']);
      assert.equal(r.code, 0, cmd.join(' '));
      assert.match(r.stdout, /^Usage:$/m, cmd.join(' '));
    }
  });

  const errors: { args: string[]; stderr: string; code: number }[] = [
    { args: ['images', '--badflag'], stderr: "Error: unknown flag: --badflag\nSee 'skiff images --help'\n", code: 125 },
    { args: ['images', '-z'], stderr: "Error: unknown shorthand flag: 'z' in -z\nSee 'skiff images --help'\n", code: 125 },
    { args: ['nosuchcmd'], stderr: "Error: unrecognized command `skiff nosuchcmd`\nTry 'skiff --help' for more information\n", code: 125 },
    { args: ['image', 'nosuch'], stderr: "Error: unrecognized command `skiff image nosuch`\nTry 'skiff image --help' for more information\n", code: 125 },
    { args: ['image'], stderr: "Error: missing command 'skiff image COMMAND'\n", code: 125 },
    // Podman prints the See line for flag errors only, not for argument counts.
    { args: ['tag', 'x'], stderr: 'Error: requires at least 2 arg(s), only received 1\n', code: 125 },
    { args: ['images', '--sort', 'bogus'], stderr: "Error: invalid option for --sort, options are: created, id, repository, size, tag\nSee 'skiff images --help'\n", code: 125 },
    { args: ['rmi'], stderr: 'Error: image name or ID must be specified\n', code: 125 },
    { args: ['images', '--no-trunc=maybe'], stderr: 'Error: invalid argument "maybe" for "--no-trunc" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nSee \'skiff images --help\'\n', code: 125 },
  ];
  for (const e of errors) {
    it(`skiff ${e.args.join(' ')} -> ${e.code}`, () => {
      const r = sb.skiff(e.args);
      assert.equal(r.stderr, e.stderr);
      assert.equal(r.code, e.code);
    });
  }

  it('global flags go before or after the command', () => {
    const a = sb.ok(['info', '--format', '{{.Store.GraphRoot}}']);
    assert.equal(a.trim(), sb.root);
    const r = sb.skiff(['images', '--log-level', 'bogus']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /"bogus" is not a valid log level/);
  });

  it('info reports host, store and runtime', () => {
    const info = JSON.parse(sb.ok(['info', '--format', 'json']));
    assert.equal(info.host.os, 'linux');
    assert.equal(info.host.security.rootless, false);
    assert.match(info.host.cgroupVersion, /^v[12]$/);
    assert.equal(info.store.graphRoot, sb.root);
    assert.equal(info.host.ociRuntime.name, 'crun');
    assert.match(sb.ok(['info']), /^host:\n {2}arch: /);
  });
});
