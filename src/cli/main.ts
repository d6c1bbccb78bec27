/**
 * The CLI entry: global flags, command lookup, argument checks, help, and the mapping of
 * errors to Podman's stderr lines and exit codes. Everything else is loaded on demand.
 */
import type { Engine } from '../engine/engine.ts';
import type { GlobalOptions } from '../engine/options.ts';
import { SkiffError } from '../util/errors.ts';
import { goQuote } from '../util/goquote.ts';
import { VERSION } from '../version.ts';
import type { ArgsRule, CommandContext, CommandEntry, CommandSpec, Io } from './command.ts';
import { COMMANDS, findCommand } from './commands.ts';
import { type FlagSpec, formatFlagUsages, HelpRequested, parseArgs } from './flags.ts';

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'cgroup-manager', type: 'string', usage: 'Cgroup manager to use ("cgroupfs"|"systemd")', default: 'cgroupfs' },
  { name: 'conmon', type: 'string', usage: 'Path of the conmon binary' },
  { name: 'events-backend', type: 'string', usage: 'Events backend to use ("file"|"journald"|"none")', default: 'file' },
  { name: 'help', type: 'bool', usage: 'Help for skiff' },
  {
    name: 'log-level',
    type: 'string',
    usage: 'Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)',
    default: 'warn',
  },
  { name: 'root', type: 'string', usage: 'Path to the root directory in which data, including images, is stored' },
  { name: 'runroot', type: 'string', usage: "Path to the 'run directory' where all state information is stored" },
  { name: 'runtime', type: 'string', usage: 'Path to the OCI-compatible binary used to run containers.', default: 'crun' },
  { name: 'runtime-flag', type: 'stringArray', usage: 'add global flags for the container runtime' },
  { name: 'storage-driver', type: 'string', usage: 'Select which storage driver is used to manage storage of images and containers' },
  { name: 'storage-opt', type: 'stringArray', usage: 'Used to pass an option to the storage driver' },
  { name: 'tmpdir', type: 'string', usage: 'Path to the tmp directory for libpod state content.' },
  { name: 'version', short: 'v', type: 'bool', usage: 'version for skiff' },
];

const GLOBAL_NAMES = new Set(GLOBAL_FLAGS.map((f) => f.name));

function globalOptions(values: Record<string, unknown>, changed: ReadonlySet<string>): GlobalOptions {
  const s = (name: string): string | undefined => (changed.has(name) ? (values[name] as string) : undefined);
  const a = (name: string): string[] | undefined => (changed.has(name) ? (values[name] as string[]) : undefined);
  return {
    root: s('root'),
    runroot: s('runroot'),
    storageDriver: s('storage-driver'),
    storageOpts: a('storage-opt'),
    runtime: s('runtime'),
    runtimeFlags: a('runtime-flag'),
    conmon: s('conmon'),
    logLevel: s('log-level'),
    cgroupManager: s('cgroup-manager'),
    eventsBackend: s('events-backend'),
    tmpdir: s('tmpdir'),
  };
}

function checkArgs(rule: ArgsRule, args: readonly string[]): void {
  const n = args.length;
  switch (rule.kind) {
    case 'any':
      return;
    case 'none':
      if (n > 0) throw new SkiffError('bad-arguments', `accepts 0 arg(s), received ${n}`);
      return;
    case 'exact':
      if (n !== rule.n) throw new SkiffError('bad-arguments', `accepts ${rule.n} arg(s), received ${n}`);
      return;
    case 'min':
      if (n < rule.n) throw new SkiffError('bad-arguments', `requires at least ${rule.n} arg(s), only received ${n}`);
      return;
    case 'max':
      if (n > rule.n) throw new SkiffError('bad-arguments', `accepts at most ${rule.n} arg(s), received ${n}`);
      return;
    case 'range':
      if (n < rule.min || n > rule.max) throw new SkiffError('bad-arguments', `accepts between ${rule.min} and ${rule.max} arg(s), received ${n}`);
      return;
  }
}

export function commandHelp(path: string, entry: CommandEntry, spec: CommandSpec): string {
  const parts = [entry.short, ''];
  parts.push('Description:', `  ${spec.long ?? entry.short}`, '');
  parts.push('Usage:', `  ${path.split(' ').slice(0, -1).join(' ')} ${spec.use}`.replace(/^ {2} /, '  '), '');
  if (entry.aliases?.length) parts.push('Aliases:', `  ${[entry.name, ...entry.aliases].join(', ')}`, '');
  if (spec.examples?.length) parts.push('Examples:', ...spec.examples.map((e) => `  ${e}`), '');
  const usages = formatFlagUsages(spec.flags);
  if (usages) parts.push('Options:', usages, '');
  return `${parts.join('\n')}\n`;
}

export function groupHelp(path: string, entry: { short: string; subcommands?: readonly CommandEntry[] }, root = false): string {
  const subs = (entry.subcommands ?? []).filter((e) => !e.hidden);
  const width = Math.max(11, ...subs.map((e) => e.name.length));
  const parts = [entry.short, ''];
  if (!root) parts.push('Description:', `  ${entry.short}`, '');
  parts.push('Usage:', root ? `  ${path} [options] [command]` : `  ${path} [command]`, '');
  parts.push('Available Commands:', ...subs.map((e) => `  ${e.name.padEnd(width)} ${e.short}`), '');
  if (root) parts.push('Options:', formatFlagUsages(GLOBAL_FLAGS), '');
  return `${parts.join('\n')}\n`;
}

const ROOT: CommandEntry = { name: 'skiff', short: 'Manage pods, containers and images', subcommands: COMMANDS };

/** Runs the CLI; returns the process exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const out = (t: string): void => void io.stdout.write(t);
  const err = (t: string): void => void io.stderr.write(t);
  let path = 'skiff';
  let engine: Engine | undefined;
  try {
    // Global flags before the command name.
    let i = 0;
    const head: string[] = [];
    while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
      const a = argv[i++];
      head.push(a);
      const name = a.startsWith('--') ? a.slice(2).split('=')[0] : '';
      const spec = GLOBAL_FLAGS.find((f) => f.name === name);
      if (spec && spec.type !== 'bool' && !a.includes('=') && i < argv.length) head.push(argv[i++]);
    }
    const globalParsed = parseArgs(head, GLOBAL_FLAGS);
    if (globalParsed.values.version) {
      out(`skiff version ${VERSION}\n`);
      return 0;
    }
    let entry: CommandEntry = ROOT;
    while (entry.subcommands) {
      const word = argv[i];
      if (word === undefined || globalParsed.values.help) {
        out(groupHelp(path, entry, entry === ROOT));
        if (entry === ROOT || globalParsed.values.help) return 0;
        err(`Error: missing command '${path} COMMAND'\n`);
        return 125;
      }
      if (word === '--help' || word === '-h') {
        out(groupHelp(path, entry, entry === ROOT));
        return 0;
      }
      const next = findCommand(entry.subcommands, word);
      if (!next || next.hidden) {
        err(`Error: unrecognized command \`${path} ${word}\`\nTry '${path} --help' for more information\n`);
        return 125;
      }
      entry = next;
      path = `${path} ${next.name}`;
      i++;
    }
    if (!entry.load) throw new SkiffError('internal', `command ${path} has no implementation`);
    const spec = await entry.load();
    // The root's --version is not a persistent flag: `skiff images -v` is an unknown flag, as in Podman.
    const inherited = GLOBAL_FLAGS.filter((g) => g.name !== 'version' && !spec.flags.some((f) => f.name === g.name || (g.short && f.short === g.short)));
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs(argv.slice(i), spec.flags, { interspersed: spec.interspersed, inherited });
    } catch (e) {
      if (e instanceof HelpRequested) {
        out(commandHelp(path, entry, spec));
        return 0;
      }
      throw e;
    }
    if (parsed.values.help === true && !spec.flags.some((f) => f.name === 'help')) {
      out(commandHelp(path, entry, spec));
      return 0;
    }
    const changed = new Set([...globalParsed.changed, ...parsed.changed]);
    const values = { ...globalParsed.values };
    for (const [k, v] of Object.entries(parsed.values)) if (parsed.changed.has(k) || !GLOBAL_NAMES.has(k) || !globalParsed.changed.has(k)) values[k] = v;
    checkArgs(spec.args, parsed.args);
    const global = globalOptions(values, changed);
    if (global.logLevel) (await import('../util/log.ts')).setLogLevel(global.logLevel, err);
    const ctx: CommandContext = {
      stdout: io.stdout,
      stderr: io.stderr,
      // Read only by the commands that take input: creating process.stdin loads Node's
      // stream and fs/promises modules, which cost every other command its start-up time.
      get stdin() {
        return io.stdin;
      },
      flags: values,
      changed,
      args: parsed.args,
      path,
      global,
      out,
      err,
      // logrus quotes the message as Go's %q does: inner quotes come out as \".
      warn: (m) => err(`time="${new Date().toISOString().slice(0, 19)}Z" level=warning msg=${goQuote(m)}\n`),
      engine: async () => {
        if (!engine) {
          const { Engine } = await import('../engine/engine.ts');
          engine = Engine.open(global);
        }
        return engine;
      },
    };
    if (entry.userns !== 'host' && process.getuid?.() !== 0) {
      // Not the environment's word: whether this process really is in a user namespace.
      const { rootlessUser } = await import('../rootless/userns.ts');
      const user = rootlessUser();
      if (user && !user.inNamespace) {
        if (entry.userns === 'unshare') throw new SkiffError('rootless', `cannot run command "${path}" in rootless mode, must execute \`skiff unshare\` first`);
        await (await import('../rootless/pause.ts')).reenterInNamespace(user, argv, ctx.warn);
      }
    }
    const code = await spec.run(ctx);
    return code ?? 0;
  } catch (e) {
    return reportError(e, path, err, out);
  } finally {
    engine?.close();
  }
}

function reportError(e: unknown, path: string, err: (t: string) => void, out: (t: string) => void): number {
  // A template that fails part way has printed what came before, as Go's does.
  const partial = e instanceof SkiffError && 'partial' in e ? e.partial : undefined;
  if (typeof partial === 'string' && partial !== '') out(partial);
  if (e instanceof SkiffError) {
    err(`Error: ${e.message}\n`);
    if (e.code === 'usage') err(`See '${path} --help'\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  err(`Error: ${msg}\n`);
  if (process.env.SKIFF_DEBUG && e instanceof Error && e.stack) err(`${e.stack}\n`);
  return 125;
}
