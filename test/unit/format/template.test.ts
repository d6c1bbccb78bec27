/**
 * The template engine on the parts of our value model that Podman's goldens cannot show:
 * JS functions as methods, Map versus object, structs tagged with GO_TYPE, Dates, user
 * functions, partial output, and the error type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate, TemplateError } from '../../../src/cli/format/template.ts';
import type { TemplateFuncs } from '../../../src/cli/format/template.ts';
import { GO_TYPE } from '../../../src/cli/format/value.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

function exec(text: string, data: unknown, funcs?: TemplateFuncs): string {
  try {
    return parseTemplate('t', text, funcs).execute(data);
  } catch (err) {
    if (err instanceof TemplateError) return `ERR ${err.message}${err.partial ? ` [partial ${JSON.stringify(err.partial)}]` : ''}`;
    throw err;
  }
}

const counter = {
  n: 2,
  Name: 'c1',
  Twice(this: { n: number }, x: number) {
    return this.n * x;
  },
  Fail() {
    throw new Error('boom');
  },
  Fn: (a: string, b: string) => `${a}+${b}`,
};

test('data model: fields, methods, maps, objects, structs, dates', () => {
  const when = new Date(Date.UTC(2026, 10, 23, 11, 8, 14, 360));
  const data = {
    c: counter,
    m: new Map<string, unknown>([['b', 2], ['a', 'x']]),
    labels: new Map([['a', 'x']]),
    o: { b: 2, a: 'x' },
    s: { [GO_TYPE]: 'define.Version', Version: '4.3.1', Built: 0, Os: 'linux' },
    when,
    none: null,
    unset: undefined,
    f: 2,
    half: 2.5,
    big: 12345678901234567890n,
  };
  const cases: [string, string][] = [
    ['{{.c.Name}} {{.c.Twice 21}} {{21 | .c.Twice}} {{call .c.Fn "a" "b"}}', 'c1 42 42 a+b'],
    // A missing key gives the zero value of the element type: "" for string maps, nothing for mixed ones.
    ['{{.m}} {{.m.a}} {{.m.zz}} {{index .m "zz"}} {{len .m}} [{{index .labels "zz"}}]', 'map[a:x b:2] x <no value> <no value> 2 []'],
    ['{{.o}} {{range $k, $v := .o}}{{$k}}={{$v}};{{end}} {{json .o}} {{json .m}}', 'map[a:x b:2] a=x;b=2; {"b":2,"a":"x"} {"a":"x","b":2}'],
    ['{{.s}} {{printf "%+v" .s}} {{json .s}}', '{4.3.1 0 linux} {Version:4.3.1 Built:0 Os:linux} {"Version":"4.3.1","Built":0,"Os":"linux"}'],
    ['{{.when}} {{json .when}}', '2026-11-23 11:08:14.36 +0000 UTC "2026-11-23T11:08:14.36Z"'],
    ['{{.none}} {{.unset}} {{if .none}}y{{else}}n{{end}} {{json .none}}', '<nil> <no value> n null'],
    ['{{printf "%.2f %d %v %v" .f .f .half .big}}', '2.00 2 2.5 12345678901234567890'],
    ['{{if .o}}full{{end}}{{if .m}} full{{end}}{{with .s}} {{.Os}}{{end}}', 'full full linux'],
  ];
  for (const [text, want] of cases) assert.equal(exec(text, data), want, text);
});

test('errors name the field, the node and the position; partial output is kept', () => {
  const data = { c: counter, o: { a: 1 }, none: null, list: ['x'] };
  const cases: [string, string][] = [
    ['{{.o.b}}', 'ERR template: t:1:4: executing "t" at <.o.b>: can\'t evaluate field b in type object'],
    ['ok {{.c.Fail}}', 'ERR template: t:1:7: executing "t" at <.c.Fail>: error calling Fail: boom [partial "ok "]'],
    ['{{.none.x}}', 'ERR template: t:1:7: executing "t" at <.none.x>: nil pointer evaluating interface {}.x'],
    ['{{.o.a 1}}', 'ERR template: t:1:4: executing "t" at <.o.a>: a has arguments but cannot be invoked as function'],
    ['{{range .list}}{{.}}{{template "x"}}{{end}}', 'ERR template: t:1:31: executing "t" at <{{template "x"}}>: template "x" not defined [partial "x"]'],
    ['{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', 'ERR template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (1000)'],
  ];
  for (const [text, want] of cases) assert.equal(exec(text, data), want, text);

  assert.throws(
    () => parseTemplate('images', '{{.ID}'),
    (err) => isSkiffError(err, 'invalid-argument') && err.message === "template: images:1: bad character U+007D '}'",
  );
});

test('control flow: else-if chains, scoping, break/continue, short-circuit and/or', () => {
  const data = { o: { a: 1 }, list: [1, 2, 3, 4], none: null };
  const cases: [string, string][] = [
    ['{{range $i, $v := .list}}{{if eq $v 2}}{{continue}}{{end}}{{if gt $v 3}}{{break}}{{end}}{{$i}}:{{$v}} {{end}}', '0:1 2:3 '],
    ['{{range .none}}x{{else}}empty{{end}}|{{range $k, $v := .o}}{{$k}}{{end}}', 'empty|a'],
    ['{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{$y}}{{end}}{{$x}}', '32'],
    ['{{and false .o.missing}}|{{or 1 .o.missing}}|{{and 1 "x"}}', 'false|1|x'],
    ['{{block "b" .o}}[{{.a}}]{{end}}{{template "b" .o}}', '[1][1]'],
    ['{{- /* trimmed */ -}}\n  {{"x" -}}  \n  {{- "y"}}', 'xy'],
  ];
  for (const [text, want] of cases) assert.equal(exec(text, data), want, text);
});

test('user functions extend and override the built-ins', () => {
  const funcs: TemplateFuncs = {
    upper: (s: string) => `<${s}>`,
    add: (a: number, b: number) => a + b,
    boom: () => {
      throw new Error('nope');
    },
  };
  assert.equal(exec('{{upper "a"}} {{add 1 2}} {{3 | add 4}} {{lower "B"}}', {}, funcs), '<a> 3 7 b');
  assert.equal(exec('{{boom}}', {}, funcs), 'ERR template: t:1:2: executing "t" at <boom>: error calling boom: nope');
  assert.equal(exec('{{nope}}', {}, funcs), 'ERR template: t:1: function "nope" not defined');
});
