/**
 * The /proc and cgroup parsers behind `top` and `stats`, on text the kernel writes (samples
 * taken from this machine's containers), including names a container may choose to confuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseBlkioServiceBytes,
  parseFlatKeyed,
  parseIoStat,
  parseProcCgroup,
  parseUint,
  parseUintList,
} from '../../../src/runtime/cgroups.ts';
import { idInside, idOutside, parseCmdline, parseIdMap, parseProcStat, parseProcStatus } from '../../../src/runtime/procfs.ts';

test('parseProcStat splits around the last parenthesis, so any comm parses', () => {
  const tail = 'S 0 1 1 0 -1 4194560 94 0 0 0 3 7 0 0 20 -5 1 0 1234567 2322432 345 18446744073709551615';
  const cases: [string, string][] = [
    [`1 (sleep) ${tail}`, 'sleep'],
    [`1 (my proc) ${tail}`, 'my proc'],
    [`1 (a) (b) ) ${tail}`, 'a) (b) '],
    [`1 () ${tail}`, ''],
  ];
  for (const [text, comm] of cases) {
    const s = parseProcStat(text);
    assert.equal(s.comm, comm, text);
    assert.deepEqual(
      [s.pid, s.state, s.ppid, s.pgrp, s.ttyNr, s.utime, s.stime, s.nice, s.starttime, s.vsize],
      ['1', 'S', '0', '1', 0, 3, 7, '-5', 1234567, 2322432],
    );
  }
  assert.equal(parseProcStat(`7 (bash) S 1 7 7 34816 7 ${tail.split(' ').slice(6).join(' ')}`).ttyNr, 34816);
  assert.throws(() => parseProcStat('garbage'));
});

test('parseProcStatus keeps the lines psgo uses; a key without value is absent', () => {
  const text = [
    'Name:\tsleep',
    'State:\tS (sleeping)',
    'PPid:\t0',
    'Uid:\t1000\t1000\t1000\t1000',
    'Gid:\t0\t10\t0\t0',
    'Groups:\t ',
    'NSpid:\t8761\t1',
    'VmRSS:\t    1376 kB',
    'CapInh:\t0000000000000000',
    'CapPrm:\t00000000800405fb',
    'CapEff:\t00000000800405fb',
    'CapBnd:\t00000000800405fb',
    'CapAmb:\t0000000000000000',
    'Seccomp:\t2',
    '',
  ].join('\n');
  const s = parseProcStatus(text);
  assert.equal(s.name, 'sleep');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, '0');
  assert.deepEqual(s.uids, ['1000', '1000', '1000', '1000']);
  assert.deepEqual(s.gids, ['0', '10', '0', '0']);
  assert.deepEqual(s.groups, []);
  assert.deepEqual(s.nspid, ['8761', '1']);
  assert.equal(s.vmRss, '1376');
  assert.equal(s.capEff, '00000000800405fb');
  assert.equal(s.seccomp, '2');
  assert.deepEqual(parseProcStatus('Groups:\t10 1000\n').groups, ['10', '1000']);
  assert.equal(parseProcStatus('Name:\tkthreadd\n').vmRss, '');
});

test('parseCmdline keeps the empty word after the last NUL, as Podman joins it', () => {
  const cases: [Buffer, string[]][] = [
    [Buffer.from('sleep\x001000\x00'), ['sleep', '1000', '']],
    [Buffer.from('sh\x00-c\x00echo a b\x00'), ['sh', '-c', 'echo a b', '']],
    [Buffer.alloc(0), ['']],
  ];
  for (const [data, words] of cases) assert.deepEqual(parseCmdline(data), words);
});

test('ID maps translate both ways and leave unmapped IDs undefined', () => {
  const map = parseIdMap('         0     100000      65536\n     65536          0          1\n');
  assert.deepEqual(map, [
    { inside: 0, outside: 100000, count: 65536 },
    { inside: 65536, outside: 0, count: 1 },
  ]);
  const cases: [number, number | undefined, number | undefined][] = [
    // id, idInside(id), idOutside(id)
    [0, 65536, 100000],
    [100000, 0, undefined],
    [165535, 65535, undefined],
    [165536, undefined, undefined],
    [65536, undefined, 0],
  ];
  for (const [id, inside, outside] of cases) {
    assert.equal(idInside(map, id), inside, `inside ${id}`);
    assert.equal(idOutside(map, id), outside, `outside ${id}`);
  }
});

test('parseProcCgroup maps every v1 controller and the v2 path', () => {
  const m = parseProcCgroup(
    ['10:hugetlb:/skiff_parent/skiff-x', '9:name=systemd:/skiff_parent/skiff-x', '2:cpu,cpuacct:/a', '4:memory:/m', '0::/u', ''].join('\n'),
  );
  assert.equal(m.get('hugetlb'), '/skiff_parent/skiff-x');
  assert.equal(m.get('name=systemd'), '/skiff_parent/skiff-x');
  assert.equal(m.get('cpu'), '/a');
  assert.equal(m.get('cpuacct'), '/a');
  assert.equal(m.get('memory'), '/m');
  assert.equal(m.get(''), '/u');
  assert.equal(parseProcCgroup('0::/with:colon\n').get(''), '/with:colon');
});

test('cgroup counters parse as the kernel writes them', () => {
  assert.equal(parseUint('34368252\n'), 34368252n);
  assert.equal(parseUint('9223372036854771712\n'), 9223372036854771712n);
  assert.equal(parseUint('max\n'), undefined);
  assert.throws(() => parseUint('-1'));
  assert.deepEqual(parseUintList('13607332 20760920 \n'), [13607332n, 20760920n]);
  assert.deepEqual(parseFlatKeyed('usage_usec 2015\nuser_usec 1000\nsystem_usec 1015\n').get('system_usec'), 1015n);
  const blkio = ['8:0 Read 4096', '8:0 Write 8192', '8:0 Sync 0', '8:0 Total 12288', '8:16 Read 1', '8:16 write 2', 'Total 12291', ''].join('\n');
  assert.deepEqual(parseBlkioServiceBytes(blkio), { read: 4097n, write: 8194n });
  assert.deepEqual(parseBlkioServiceBytes('Total 0\n'), { read: 0n, write: 0n });
  assert.deepEqual(parseIoStat('8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=2\n'), { read: 4097n, write: 514n });
});
