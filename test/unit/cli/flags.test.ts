import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FlagSpec, parseArgs, splitCsv } from '../../../src/cli/flags.ts';
import { SkiffError } from '../../../src/util/errors.ts';

const FLAGS: FlagSpec[] = [
  { name: 'rm', type: 'bool', usage: '' },
  { name: 'interactive', short: 'i', type: 'bool', usage: '' },
  { name: 'tty', short: 't', type: 'bool', usage: '' },
  { name: 'detach', short: 'd', type: 'bool', usage: '' },
  { name: 'tls-verify', type: 'bool', usage: '', default: true },
  { name: 'publish', short: 'p', type: 'stringArray', usage: '' },
  { name: 'env', short: 'e', type: 'stringArray', usage: '' },
  { name: 'filter', short: 'f', type: 'stringSlice', usage: '' },
  { name: 'name', type: 'string', usage: '' },
  { name: 'time', short: 'T', type: 'int', usage: '', default: 10 },
];

describe('parseArgs (pflag semantics)', () => {
  const cases: { argv: string[]; interspersed?: boolean; values?: Record<string, unknown>; args?: string[] }[] = [
    { argv: ['--tls-verify=false', 'img'], values: { 'tls-verify': false }, args: ['img'] },
    { argv: ['--rm=false', 'img'], values: { rm: false }, args: ['img'] },
    // A boolean never takes the next word.
    { argv: ['--rm', 'false'], values: { rm: true }, args: ['false'] },
    { argv: ['-it', 'img'], values: { interactive: true, tty: true }, args: ['img'] },
    { argv: ['-itd', 'img'], values: { interactive: true, tty: true, detach: true } },
    { argv: ['-p8080:80', 'img'], values: { publish: ['8080:80'] } },
    { argv: ['-p', '8080:80', '-p=9090:90', 'img'], values: { publish: ['8080:80', '9090:90'] } },
    { argv: ['-itp8080:80'], values: { interactive: true, tty: true, publish: ['8080:80'] } },
    { argv: ['--publish', '1:1', '--publish=2:2'], values: { publish: ['1:1', '2:2'] } },
    { argv: ['-e', 'A=1,B=2'], values: { env: ['A=1,B=2'] } },
    { argv: ['-f', 'a=1,b=2', '--filter', 'c=3'], values: { filter: ['a=1', 'b=2', 'c=3'] } },
    { argv: ['--name', 'x', '--name=y'], values: { name: 'y' } },
    { argv: ['-T', '5'], values: { time: 5 } },
    { argv: ['-T5'], values: { time: 5 } },
    { argv: ['--', '--rm'], values: { rm: false }, args: ['--rm'] },
    { argv: ['img', '--rm'], values: { rm: true }, args: ['img'] },
    // Non-interspersed (run/exec): flags after the first positional belong to the command.
    { argv: ['--rm', 'img', 'ls', '--rm', '-la'], interspersed: false, values: { rm: true }, args: ['img', 'ls', '--rm', '-la'] },
    { argv: ['-'], values: {}, args: ['-'] },
  ];
  for (const c of cases) {
    it(c.argv.join(' '), () => {
      const r = parseArgs(c.argv, FLAGS, { interspersed: c.interspersed });
      for (const [k, v] of Object.entries(c.values ?? {})) assert.deepEqual(r.values[k], v, k);
      if (c.args) assert.deepEqual(r.args, c.args);
    });
  }

  it('defaults hold when flags are absent', () => {
    const r = parseArgs([], FLAGS);
    assert.equal(r.values['tls-verify'], true);
    assert.equal(r.values.time, 10);
    assert.deepEqual(r.values.publish, []);
    assert.equal(r.changed.size, 0);
  });

  const errors: [string[], string][] = [
    [['--badflag'], 'unknown flag: --badflag'],
    [['-z'], "unknown shorthand flag: 'z' in -z"],
    [['-iz'], "unknown shorthand flag: 'z' in -z"],
    [['-p'], "flag needs an argument: 'p' in -p"],
    [['--name'], 'flag needs an argument: --name'],
    [['--rm=maybe'], 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['-T', 'x'], 'invalid argument "x" for "-T, --time" flag: strconv.ParseInt: parsing "x": invalid syntax'],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseArgs(argv, FLAGS),
        (e: unknown) => e instanceof SkiffError && e.code === 'usage' && e.message === message,
      );
    });
  }
});

describe('splitCsv', () => {
  it('splits like a CSV record', () => {
    assert.deepEqual(splitCsv('a,b'), ['a', 'b']);
    assert.deepEqual(splitCsv('"a,b",c'), ['a,b', 'c']);
    assert.deepEqual(splitCsv(''), []);
  });
});

describe('pflag corner cases', () => {
  const F: FlagSpec[] = [
    { name: 'format', short: 'f', type: 'string', usage: '' },
    { name: 'quiet', short: 'q', type: 'bool', usage: '' },
  ];
  it('-f= takes "=" as the value; -f=x takes "x"', () => {
    assert.equal(parseArgs(['-f='], F).values.format, '=');
    assert.equal(parseArgs(['-f=x'], F).values.format, 'x');
  });
  it('-q= is an unknown shorthand "="', () => {
    assert.throws(() => parseArgs(['-q='], F), (e: unknown) => e instanceof SkiffError && e.message === "unknown shorthand flag: '=' in -=");
  });
  it('---q and --=x are bad flag syntax', () => {
    assert.throws(() => parseArgs(['---q'], F), (e: unknown) => e instanceof SkiffError && e.message === 'bad flag syntax: ---q');
    assert.throws(() => parseArgs(['--=x'], F), (e: unknown) => e instanceof SkiffError && e.message === 'bad flag syntax: --=x');
  });
  it('--format= sets an empty value and marks the flag changed', () => {
    const r = parseArgs(['--format='], F);
    assert.equal(r.values.format, '');
    assert.ok(r.changed.has('format'));
  });
});
