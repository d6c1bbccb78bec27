/**
 * How `stats` prints a sample: Podman 4.3.1's percent and size texts, and its headers and
 * template errors for the containerStats type. Expected texts are Podman's output on this
 * machine for the same numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanPair, percentText, removeScientificNotation, StatsRow } from '../../../src/cli/container/stats.ts';
import { renderList } from '../../../src/cli/format/report.ts';
import { TemplateError } from '../../../src/cli/format/template.ts';
import { bytesSize } from '../../../src/cli/format/units.ts';
import type { ContainerStats } from '../../../src/engine/stats.ts';

test('percentages drop a scientific exponent, as Podman does, then print two decimals', () => {
  const cases: [number, number, string][] = [
    [0, 0, '0.00%'],
    [0.018851241309005503, 0.018851241309005503, '0.02%'],
    [0.0016, 0.0016, '0.00%'],
    [3.5e-5, 3.5, '3.50%'],
    [93.3712, 93.3712, '93.37%'],
    [1234567, 1.234567, '1.23%'],
  ];
  for (const [x, stripped, text] of cases) {
    assert.equal(removeScientificNotation(x), stripped, String(x));
    assert.equal(percentText(x), text, String(x));
  }
});

test('sizes: decimal pairs with 4 digits, binary with bytesSize', () => {
  assert.equal(humanPair(401408, 25276502016), '401.4kB / 25.28GB');
  assert.equal(humanPair(553000, 25276502016), '553kB / 25.28GB');
  assert.equal(humanPair(0, 0), '0B / 0B');
  const cases: [number, string][] = [
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [372736, '364KiB'],
    [25276502016, '23.54GiB'],
    [100000000, '95.37MiB'],
  ];
  for (const [n, text] of cases) assert.equal(bytesSize(n), text, String(n));
});

const SAMPLE: ContainerStats = {
  containerId: '8c4f388a9fe6f62bdb853139a03ae523911f61721ddd6573014c5ff7ed0f2be6',
  name: 't1',
  cpu: 0.018851241309005503,
  avgCpu: 0.018851241309005503,
  cpuNano: 34368252n,
  cpuSystemNano: 12000000n,
  perCpu: [13607332n, 20760920n],
  systemNano: 1795443552958879595n,
  memUsage: 372736,
  memLimit: 25276502016,
  memPerc: (372736 / 25276502016) * 100,
  netInput: 0,
  netOutput: 0,
  blockInput: 0,
  blockOutput: 0,
  pids: 2,
};

function render(format: string, noTrunc = false): string {
  return renderList({ format, rows: [new StatsRow(SAMPLE, noTrunc)], headers: {
    ID: 'ID', UpTime: 'CPU TIME', CPUPerc: 'CPU %', AVGCPU: 'AVG CPU %', MemUsage: 'MEM USAGE / LIMIT', MemUsageBytes: 'MEM USAGE / LIMIT',
    MemPerc: 'MEM %', NetIO: 'NET IO', BlockIO: 'BLOCK IO', PIDS: 'PIDS',
  }, name: 'stats' });
}

test('a row renders fields and methods as Podman 4.3.1 does, with its headers', () => {
  assert.equal(
    render('table {{.ID}} {{.Up}} {{.Duration}} {{.CPU}} {{.PIDs}} {{.PerCPU}} {{.MemUsageBytes}} {{.CPUSystemNano}} {{.UpTime}}'),
    [
      'ID            <no value>   DURATION    CPU                   PI DS       PER CPU              MEM USAGE / LIMIT  CPU SYSTEM NANO  CPU TIME',
      '8c4f388a9fe6  34.368252ms  34368252    0.018851241309005503  2           [13607332 20760920]  364KiB / 23.54GiB  12000000         34.368252ms',
      '',
    ].join('\n'),
  );
  assert.equal(render('{{.ID}} {{.Name}} {{.MemUsage}} {{.MemPerc}} {{.CPUPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDS}} {{.AVGCPU}}', true),
    `${SAMPLE.containerId} t1 372.7kB / 25.28GB 0.00% 0.02% 0B / 0B 0B / 0B 2 0.02%\n`);
});

test('an unknown field fails with the type name Podman gives', () => {
  assert.throws(() => render('{{.Bogus}}'), (e: unknown) =>
    e instanceof TemplateError && e.message === 'template: stats:1:13: executing "stats" at <.Bogus>: can\'t evaluate field Bogus in type containers.containerStats');
  assert.throws(() => render('table {{.Bogus}}'), (e: unknown) => e instanceof TemplateError && e.partial === '<no value>\n');
});
