import { type ContainerStats, type StatsHistory, sampleStats } from '../../engine/stats.ts';
import { goDuration } from '../../util/duration.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import { formatFloat } from '../format/fmt.ts';
import { marshalJson } from '../format/json.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { bytesSize, humanSizeCompact } from '../format/units.ts';
import { GO_TYPE } from '../format/value.ts';

/** Header texts Podman sets; other fields get their name split at case changes. */
const HEADERS: Record<string, string> = {
  ID: 'ID',
  UpTime: 'CPU TIME',
  CPUPerc: 'CPU %',
  AVGCPU: 'AVG CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemUsageBytes: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET IO',
  BlockIO: 'BLOCK IO',
  PIDS: 'PIDS',
};

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}';

/** Clears a terminal and homes the cursor before each report, as Podman's goterm does. */
const CLEAR_SCREEN = '\x1b[2J\x1b[1;1H';

/**
 * Podman's utils.RemoveScientificNotationFromFloat: the digits of a number Go would print in
 * exponent form (below 1e-4 or from 1e21) without the exponent, so 3.5e-05 becomes 3.5.
 */
export function removeScientificNotation(x: number): number {
  const text = formatFloat(x, 'g', -1);
  const e = text.search(/[eE]/);
  return Number.parseFloat(e > 0 ? text.slice(0, e) : text);
}

/** A percentage as `stats` prints it: two decimals after removeScientificNotation. */
export function percentText(x: number): string {
  return `${formatFloat(removeScientificNotation(x), 'f', 2)}%`;
}

/** `used / total` in decimal units (`401.4kB / 25.28GB`). */
export function humanPair(a: number, b: number): string {
  return `${humanSizeCompact(a, 4)} / ${humanSizeCompact(b, 4)}`;
}

/**
 * One row for the templates: the fields of Podman's define.ContainerStats and, as methods, the
 * formatted values of its containerStats wrapper, which hide the fields of the same name
 * (MemUsage, MemPerc). Methods are not headers: only fields and the names in HEADERS are.
 */
export class StatsRow {
  readonly [GO_TYPE] = 'containers.containerStats';
  readonly AvgCPU: number;
  readonly ContainerID: string;
  readonly Name: string;
  readonly PerCPU: readonly bigint[];
  readonly CPU: number;
  readonly CPUNano: bigint;
  readonly CPUSystemNano: bigint;
  readonly SystemNano: bigint;
  readonly MemLimit: number;
  readonly NetInput: number;
  readonly NetOutput: number;
  readonly BlockInput: number;
  readonly BlockOutput: number;
  readonly PIDs: number;
  /** A time.Duration: the CPU time, printed as Go prints durations. */
  readonly UpTime: string;
  readonly Duration: bigint;
  readonly #stats: ContainerStats;
  readonly #noTrunc: boolean;

  constructor(s: ContainerStats, noTrunc: boolean) {
    this.#stats = s;
    this.#noTrunc = noTrunc;
    this.AvgCPU = s.avgCpu;
    this.ContainerID = s.containerId;
    this.Name = s.name;
    this.PerCPU = s.perCpu;
    this.CPU = s.cpu;
    this.CPUNano = s.cpuNano;
    this.CPUSystemNano = s.cpuSystemNano;
    this.SystemNano = s.systemNano;
    this.MemLimit = s.memLimit;
    this.NetInput = s.netInput;
    this.NetOutput = s.netOutput;
    this.BlockInput = s.blockInput;
    this.BlockOutput = s.blockOutput;
    this.PIDs = s.pids;
    this.UpTime = goDuration(s.cpuNano);
    this.Duration = s.cpuNano;
  }

  ID(): string {
    return this.#noTrunc ? this.ContainerID : this.ContainerID.slice(0, 12);
  }

  CPUPerc(): string {
    return percentText(this.CPU);
  }

  AVGCPU(): string {
    return percentText(this.AvgCPU);
  }

  Up(): string {
    return this.UpTime;
  }

  MemPerc(): string {
    return percentText(this.#stats.memPerc);
  }

  MemUsage(): string {
    return humanPair(this.#stats.memUsage, this.#stats.memLimit);
  }

  MemUsageBytes(): string {
    return `${bytesSize(this.#stats.memUsage)} / ${bytesSize(this.#stats.memLimit)}`;
  }

  NetIO(): string {
    return humanPair(this.NetInput, this.NetOutput);
  }

  BlockIO(): string {
    return humanPair(this.BlockInput, this.BlockOutput);
  }

  PIDS(): string {
    return String(this.PIDs);
  }
}

/** One report: JSON, the user's template, or the default table. */
function render(ctx: CommandContext, stats: readonly ContainerStats[]): string {
  const rows = stats.map((s) => new StatsRow(s, ctx.flags['no-trunc'] as boolean));
  const format = ctx.flags.format as string;
  if (isJsonFormat(format)) {
    const json = rows.map((r) => ({
      id: r.ID(),
      name: r.Name,
      cpu_time: r.Up(),
      cpu_percent: r.CPUPerc(),
      avg_cpu: r.AVGCPU(),
      mem_usage: r.MemUsage(),
      mem_percent: r.MemPerc(),
      net_io: r.NetIO(),
      block_io: r.BlockIO(),
      pids: r.PIDS(),
    }));
    return `${marshalJson(json, { indent: ' ', escapeHTML: true })}\n`;
  }
  // An empty --format is the user's too: an empty line per container, no header.
  if (ctx.changed.has('format') && format === '') return '\n'.repeat(rows.length);
  // A failing template's partial output (the header) is printed with the error by the CLI.
  return renderList({ format: ctx.changed.has('format') ? format : undefined, defaultFormat: DEFAULT_FORMAT, rows, headers: HEADERS, name: 'stats' });
}

export const command: CommandSpec = {
  use: 'stats [options] [CONTAINER...]',
  long: 'Display percentage of CPU, memory, network I/O, block I/O and PIDs for one or more containers.',
  examples: ['skiff stats --all --no-stream', 'skiff stats ctrID', 'skiff stats --no-stream --format "table {{.ID}} {{.Name}} {{.MemUsage}}" ctrID'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all containers. Only running containers are shown by default. The default is false' },
    { name: 'format', type: 'string', usage: 'Pretty-print container statistics to JSON or using a Go template' },
    { name: 'interval', short: 'i', type: 'int', usage: 'Time in seconds between stats reports', default: 5 },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'no-reset', type: 'bool', usage: 'Disable resetting the screen between intervals' },
    { name: 'no-stream', type: 'bool', usage: 'Disable streaming stats and only pull the first result, default setting is false' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate output' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    const latest = ctx.flags.latest as boolean;
    if ([all, latest, ctx.args.length > 0].filter(Boolean).length > 1) {
      throw new SkiffError('invalid-argument', '--all, --latest and containers cannot be used together');
    }
    const interval = ctx.flags.interval as number;
    if (interval < 1) throw new SkiffError('invalid-argument', 'invalid interval, must be a positive number greater zero');
    const engine = await ctx.engine();
    const clear = (ctx.stdout as { isTTY?: boolean }).isTTY === true && !(ctx.flags['no-reset'] as boolean);
    const history: StatsHistory = new Map();
    for (;;) {
      const stats = sampleStats(engine, { latest, containers: ctx.args }, history);
      ctx.out((clear ? CLEAR_SCREEN : '') + render(ctx, stats));
      if (ctx.flags['no-stream']) return 0;
      await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    }
  },
};
