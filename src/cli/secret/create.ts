import { fstatSync, readFileSync } from 'node:fs';
import { errnoCode, SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { splitCsv } from '../flags.ts';
import { parseLabels } from '../labels.ts';

/** `--driver-opts` as pflag's stringToString reads it: each value a CSV record of key=value pairs. */
export function parseDriverOpts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    for (const pair of splitCsv(value)) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new SkiffError('usage', `invalid argument "${value}" for "--driver-opts" flag: ${pair} must be formatted as key=value`);
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

/**
 * The value, read as Podman reads it: from an environment variable (--env), from stdin for
 * `-` (only a pipe), or from a file. A read error leaves no data (Podman ignores it), which
 * the size check then refuses.
 */
function readValue(source: string, fromEnv: boolean): Buffer {
  if (fromEnv) {
    const v = process.env[source];
    if (v === undefined || v === '') throw new SkiffError('invalid-argument', `cannot create store secret data: environment variable ${source} is not set`);
    return Buffer.from(v);
  }
  if (source === '-' || source === '/dev/stdin') {
    if (!fstatSync(0).isFIFO()) throw new SkiffError('invalid-argument', 'if `-` is used, data must be passed into stdin');
    return readFileSync(0);
  }
  try {
    return readFileSync(source);
  } catch (e) {
    switch (errnoCode(e)) {
      case 'ENOENT':
        throw new SkiffError('invalid-argument', `open ${source}: no such file or directory`);
      case 'EACCES':
        throw new SkiffError('invalid-argument', `open ${source}: permission denied`);
      case 'EISDIR':
        return Buffer.alloc(0);
      default:
        throw e;
    }
  }
}

export const command: CommandSpec = {
  use: 'create [options] NAME FILE|-',
  long: 'Create a secret. Input can be a path to a file or "-" (read from stdin). Default driver is file (unencrypted).',
  examples: ['skiff secret create mysecret /path/to/secret', '\tprintf "secretdata" | skiff secret create mysecret -'],
  args: { kind: 'exact', n: 2 },
  flags: [
    { name: 'driver', short: 'd', type: 'string', usage: 'Specify secret driver', default: 'file' },
    { name: 'driver-opts', type: 'stringArray', valueName: 'stringToString', usage: 'Specify driver specific options (default [])' },
    { name: 'env', type: 'bool', usage: 'Read secret data from environment variable' },
    { name: 'label', short: 'l', type: 'stringArray', usage: 'Specify labels on the secret' },
    { name: 'replace', type: 'bool', usage: 'If a secret with the same name exists, replace it' },
  ],
  async run(ctx) {
    const driverOptions = parseDriverOpts(ctx.flags['driver-opts'] as string[]);
    const [name, source] = ctx.args;
    const data = readValue(source, ctx.flags.env as boolean);
    const engine = await ctx.engine();
    const rec = await (await engine.secrets()).create({
      name,
      data,
      driver: ctx.flags.driver as string,
      driverOptions,
      labels: parseLabels(ctx.flags.label as string[]),
      replace: ctx.flags.replace as boolean,
    });
    ctx.out(`${rec.id}\n`);
  },
};
