/**
 * Golden outputs of real Podman 4.3.1, recorded on this project's test host, replayed through
 * our engine over the same data. How they were made (CONTAINERS_CONF pointing at a copy of
 * /usr/share/containers/containers.conf, a throwaway --root):
 *
 *   mkdir -p r/bin && cp /bin/busybox r/bin/ && tar -C r -c . |
 *     podman import --change 'LABEL foo=bar<x>' --change 'ENV A=1' - localhost/fmtest:latest
 *   podman tag localhost/fmtest:latest localhost/fmtest:v2 fmtest2:other
 *   podman images --filter 'reference=*fmtest*' --format FORMAT      (IMAGES, [3 rows])
 *   podman images --filter reference=nomatch --format FORMAT         (EMPTY)
 *   podman image inspect localhost/fmtest --format FORMAT            (INSPECT)
 *   podman version --format FORMAT                                   (VERSION)
 *
 * Each case is [format, stdout, error]: stdout is what Podman printed before failing, error
 * the text after "Error: " (inspect's own "inspecting object: printing inspect output: "
 * prefix removed: that wrapping belongs to the command).
 *
 * Left out on purpose, where we differ: a parse error at the very end of a format that has
 * no newline reports one line later than Podman (`{{if 1}}x`); complex literals (`{{ 1i }}`);
 * an empty list whose table names an unknown field gets a header for it, where Podman
 * prints `<no value>`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderEach, renderList, renderOne } from '../../../src/cli/format/report.ts';
import { GO_TYPE } from '../../../src/cli/format/value.ts';

type Case = [format: string, stdout: string, error?: string];

const ID = '98a9b053a711eb39908d869326123d991be05d501e6f7e2e4ffc84852fd32068';
const DIGEST = 'sha256:7dfc647c82da5fab186b7b7eab372596771ad7ce92627b3dbdad3e7df62f5ed8';
const NAMES = ['localhost/fmtest:latest', 'localhost/fmtest:v2', 'localhost/fmtest2:other'];
const labels = (): Map<string, string> => new Map([['foo', 'bar<x>']]);

/** Podman's images.imageReporter, as far as the formats below reach. */
const imageRow = (Repository: string, Tag: string) => ({
  [GO_TYPE]: 'images.imageReporter',
  Repository,
  Tag,
  ID: ID.slice(0, 12),
  Digest: DIGEST,
  ReadOnly: false,
  VirtualSize: 1987704,
  SharedSize: 0,
  Containers: 0,
  Size: '1.99 MB',
  Names: NAMES,
  Labels: labels(),
});
const ROWS = [imageRow('localhost/fmtest', 'latest'), imageRow('localhost/fmtest', 'v2'), imageRow('localhost/fmtest2', 'other')];
const HEADERS = { ID: 'IMAGE ID', ReadOnly: 'R/O' };

/** `podman images --format json` prints entities.ImageSummary, not the rows. */
const SUMMARY = {
  Id: ID,
  ParentId: '',
  RepoTags: null,
  RepoDigests: [`localhost/fmtest2@${DIGEST}`, `localhost/fmtest@${DIGEST}`],
  Size: 1987704,
  SharedSize: 0,
  VirtualSize: 1987704,
  Labels: { foo: 'bar<x>' },
  Containers: 0,
  Names: NAMES,
  Digest: DIGEST,
  History: ['localhost/fmtest2:other', 'localhost/fmtest:v2', 'localhost/fmtest:latest'],
  Created: 1795432094,
  CreatedAt: '2026-11-23T11:08:14Z',
};

const IMAGE = {
  Id: ID,
  Digest: DIGEST,
  RepoTags: NAMES,
  Os: 'linux',
  Architecture: 'amd64',
  Size: 1987704,
  Config: { [GO_TYPE]: '*v1.ImageConfig', Env: ['A=1'], Labels: labels(), Cmd: [], Volumes: new Map() },
  Labels: labels(),
  Annotations: new Map(),
  HealthCheck: null,
  RootFS: { Type: 'layers', Layers: ['sha256:8eedee395574f7b8d87515aef7ee204099fb8c4482203b0557a39da286b12adc'] },
};

const VERSION = {
  Client: {
    [GO_TYPE]: '*define.Version',
    APIVersion: '4.3.1',
    Version: '4.3.1',
    GoVersion: 'go1.19.8',
    GitCommit: '',
    BuiltTime: 'Thu Jan  1 00:00:00 1970',
    Built: 0,
    OsArch: 'linux/amd64',
    Os: 'linux',
  },
};

const IMAGES: Case[] = [
  ["table {{.Repository}}\\t{{.Tag}}", "REPOSITORY         TAG\nlocalhost/fmtest   latest\nlocalhost/fmtest   v2\nlocalhost/fmtest2  other\n"],
  ["table {{.Repository}} {{.Tag}} {{.Size}}", "REPOSITORY         TAG         SIZE\nlocalhost/fmtest   latest      1.99 MB\nlocalhost/fmtest   v2          1.99 MB\nlocalhost/fmtest2  other       1.99 MB\n"],
  ["{{.Repository}}\\t{{.Tag}}", "localhost/fmtest\tlatest\nlocalhost/fmtest\tv2\nlocalhost/fmtest2\tother\n"],
  ["{{.Repository}} {{.Tag}}", "localhost/fmtest latest\nlocalhost/fmtest v2\nlocalhost/fmtest2 other\n"],
  ["table {{.Repository|upper}} {{printf \"%-20s|\" .Tag}} {{.Tag | printf \"%5.2s|\"}} {{ .Repository }}", "REPOSITORY         TAG                 |     TA|      REPOSITORY\nLOCALHOST/FMTEST   latest              |     la|      localhost/fmtest\nLOCALHOST/FMTEST   v2                  |     v2|      localhost/fmtest\nLOCALHOST/FMTEST2  other               |     ot|      localhost/fmtest2\n"],
  ["table {{.Repository}}  {{.Tag}}", "REPOSITORY                     TAG\nlocalhost/fmtest               latest\nlocalhost/fmtest               v2\nlocalhost/fmtest2              other\n"],
  ["table ", "\n\n\n\n"],
  ["table", "table\ntable\ntable\n"],
  ["tablex {{.ID}}", "tablex 98a9b053a711\ntablex 98a9b053a711\ntablex 98a9b053a711\n"],
  ["X{{.Tag}}\\nY", "Xlatest\nY\nXv2\nY\nXother\nY\n"],
  ["{{range .}}{{.Tag}},{{end}}", "latest,v2,other,\n"],
  ["{{range . }}{{.Tag}};{{end}}", "latest;v2;other;\n"],
  ["table {{.ID}} {{.Digest}} {{.ReadOnly}} {{.VirtualSize}} {{.SharedSize}} {{.UniqueSize}} {{.Containers}}", "IMAGE ID      DIGEST                                                                   R/O         VIRTUAL SIZE  SHARED SIZE  <no value>  CONTAINERS\n98a9b053a711  sha256:7dfc647c82da5fab186b7b7eab372596771ad7ce92627b3dbdad3e7df62f5ed8  false       1987704       0", "template: images:1:80: executing \"images\" at <.UniqueSize>: can't evaluate field UniqueSize in type images.imageReporter"],
  ["{{.Repository}} {{.Nope}}", "localhost/fmtest ", "template: images:1:29: executing \"images\" at <.Nope>: can't evaluate field Nope in type images.imageReporter"],
  ["table {{.Labels.foo}}", "", "template: images:1:20: executing \"images\" at <.Labels.foo>: can't evaluate field foo in type string"],
  ["{{.Labels.foo}} {{index .Labels \"foo\"}} {{.Labels}} {{.Labels.nope}} [{{index .Labels \"nope\"}}]", "bar<x> bar<x> map[foo:bar<x>] <no value> []\nbar<x> bar<x> map[foo:bar<x>] <no value> []\nbar<x> bar<x> map[foo:bar<x>] <no value> []\n"],
  ["table {{.Repository}} table {{.Tag}} {{printf \"a b\"}}", "REPOSITORY         TAG         a           b\nlocalhost/fmtest   latest      a           b\nlocalhost/fmtest   v2          a           b\nlocalhost/fmtest2  other       a           b\n"],
  ["{{if eq .Tag \"v2\"}}two{{else if eq .Tag \"other\"}}oth{{else}}{{.Tag | upper}}{{end}}\\t{{len .Names}}", "LATEST\t3\ntwo\t3\noth\t3\n"],
  ["{{json .Names}} {{json .Labels}} {{.Names}}", "[\"localhost/fmtest:latest\",\"localhost/fmtest:v2\",\"localhost/fmtest2:other\"] {\"foo\":\"bar<x>\"} [localhost/fmtest:latest localhost/fmtest:v2 localhost/fmtest2:other]\n[\"localhost/fmtest:latest\",\"localhost/fmtest:v2\",\"localhost/fmtest2:other\"] {\"foo\":\"bar<x>\"} [localhost/fmtest:latest localhost/fmtest:v2 localhost/fmtest2:other]\n[\"localhost/fmtest:latest\",\"localhost/fmtest:v2\",\"localhost/fmtest2:other\"] {\"foo\":\"bar<x>\"} [localhost/fmtest:latest localhost/fmtest:v2 localhost/fmtest2:other]\n"],
  ["table {{.Tag}}\\t{{if eq .Tag \"v2\"}}a\\tb\\tc{{end}}\\t{{.Repository}}", "TAG                     REPOSITORY\nlatest                  localhost/fmtest\nv2          a           b           c           localhost/fmtest\nother                   localhost/fmtest2\n"],
  ["{{.Tag}", "", "template: images:1: bad character U+007D '}'"],
  ["{{.Tag}}}}", "latest}}\nv2}}\nother}}\n"],
  ["{{if}}", "", "template: images:1: missing value for if"],
  ["{{.Nope}}", "", "template: images:1:13: executing \"images\" at <.Nope>: can't evaluate field Nope in type images.imageReporter"],
];

const IMAGES_NOHEADING: Case[] = [
  ["table {{.ID}} {{.Repository}}", "98a9b053a711  localhost/fmtest\n98a9b053a711  localhost/fmtest\n98a9b053a711  localhost/fmtest2\n"],
];

const EMPTY: Case[] = [
  ["json", "[]\n"],
  ["table {{.Repository}}\\t{{.Tag}}", "REPOSITORY  TAG\n"],
];

const INSPECT: Case[] = [
  ["{{.Id}} {{range .RepoTags}}[{{.}}]{{end}} {{printf \"%q\" .Os}} {{len .RepoTags}}", "98a9b053a711eb39908d869326123d991be05d501e6f7e2e4ffc84852fd32068 [localhost/fmtest:latest][localhost/fmtest:v2][localhost/fmtest2:other] \"linux\" 3\n"],
  ["{{.Config.Labels}} {{.Config.Env}} {{json .Config.Labels}} {{.Size}}", "map[foo:bar<x>] [A=1] {\"foo\":\"bar<x>\"} 1987704\n"],
  ["{{if .Config.Labels}}has{{else}}none{{end}}|{{with .Config.Cmd}}cmd={{.}}{{else}}nocmd{{end}}|{{range $i, $t := .RepoTags}}{{$i}}={{$t}};{{end}}", "has|nocmd|0=localhost/fmtest:latest;1=localhost/fmtest:v2;2=localhost/fmtest2:other;\n"],
  ["{{join .RepoTags \",\"}}|{{upper .Os}}|{{pad .Os 2 3}}|{{split .Architecture \"m\"}}|{{truncate .Os 3}}|{{title \"hello wORLD foo-bar o'neil\"}}|{{lower \"ABC\"}}", "localhost/fmtest:latest,localhost/fmtest:v2,localhost/fmtest2:other|LINUX|  linux   |[a d64]|lin|Hello WORLD Foo-Bar O'Neil|abc\n"],
  ["[{{index .Labels \"nope\"}}] [{{.Labels.nope}}] [{{.Config.Cmd}}] [{{.Config.Volumes}}] [{{.Annotations}}] [{{if .Annotations}}t{{else}}f{{end}}] [{{len .Annotations}}] [{{.HealthCheck}}] [{{json .HealthCheck}}]", "[] [<no value>] [[]] [map[]] [map[]] [f] [0] [<nil>] [null]\n"],
  ["{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}|{{.RootFS.Type}}|{{range .RootFS.Layers}}{{slice . 0 14}}{{end}}", "foo=bar<x>|layers|sha256:8eedee3\n"],
  ["{{.Size | printf \"%d %v %s %x %.1f\"}}", "1987704 %!v(MISSING) %!s(MISSING) %!x(MISSING) %!f(MISSING)\n"],
  ["{{printf \"%5s|%-5s|%.1s|%5.1q|%05d|%x|%X|% x|%#x|%#v|%T\" \"ab\" \"ab\" \"xyz\" \"xyz\" -42 \"hé\" 3000 \"ab\" 255 \"s\" 1}}", "   ab|ab   |x|  \"x\"|-0042|68c3a9|BB8|61 62|0xff|\"s\"|int\n"],
  ["{{printf \"%v %d %s\" .RepoTags .RepoTags .RepoTags}}|{{printf \"%v\" .Labels}}|{{printf \"%q\" .RepoTags}}|{{printf \"%x\" .Labels}}", "[localhost/fmtest:latest localhost/fmtest:v2 localhost/fmtest2:other] [%!d(string=localhost/fmtest:latest) %!d(string=localhost/fmtest:v2) %!d(string=localhost/fmtest2:other)] [localhost/fmtest:latest localhost/fmtest:v2 localhost/fmtest2:other]|map[foo:bar<x>]|[\"localhost/fmtest:latest\" \"localhost/fmtest:v2\" \"localhost/fmtest2:other\"]|map[666f6f:6261723c783e]\n"],
  ["{{json .RepoTags}}\\t{{json .Config.Labels}}", "[\"localhost/fmtest:latest\",\"localhost/fmtest:v2\",\"localhost/fmtest2:other\"]\t{\"foo\":\"bar<x>\"}\n"],
  ["{{.Os.x}}", "", "template: inspect:1:16: executing \"inspect\" at <.Os.x>: can't evaluate field x in type string"],
  ["{{.RepoTags.x}}", "", "template: inspect:1:22: executing \"inspect\" at <.RepoTags.x>: can't evaluate field x in type []string"],
  ["{{.Config.Nope}}", "", "template: inspect:1:20: executing \"inspect\" at <.Config.Nope>: can't evaluate field Nope in type *v1.ImageConfig"],
  ["{{join .Os \",\"}}", "", "template: inspect:1:18: executing \"inspect\" at <.Os>: wrong type for value; expected []string; got string"],
  ["{{upper 1}}", "", "template: inspect:1:19: executing \"inspect\" at <1>: expected string; found 1"],
  ["{{truncate \"abc\" \"x\"}}", "", "template: inspect:1:28: executing \"inspect\" at <\"x\">: expected integer; found \"x\""],
  ["{{len 3}}", "", "template: inspect:1:13: executing \"inspect\" at <len 3>: error calling len: len of type int"],
  ["{{index 3 1}}", "", "template: inspect:1:13: executing \"inspect\" at <index 3 1>: error calling index: can't index item of type int"],
  ["{{.Os 2}}", "", "template: inspect:1:13: executing \"inspect\" at <.Os>: Os has arguments but cannot be invoked as function"],
  ["{{json 1 2}}", "", "template: inspect:1:13: executing \"inspect\" at <json>: wrong number of args for json: want 1 got 2"],
  ["{{slice \"abc\" 2 1}}", "", "template: inspect:1:13: executing \"inspect\" at <slice \"abc\" 2 1>: error calling slice: invalid slice index: 2 > 1"],
  ["{{slice \"abc\" 1 5}}", "", "template: inspect:1:13: executing \"inspect\" at <slice \"abc\" 1 5>: error calling slice: index out of range: 5"],
  ["{{index .RepoTags \"a\"}}", "", "template: inspect:1:13: executing \"inspect\" at <index .RepoTags \"a\">: error calling index: cannot index slice/array with type string"],
  ["{{index .Labels 1}}", "", "template: inspect:1:13: executing \"inspect\" at <index .Labels 1>: error calling index: value has type int; should be string"],
  ["{{not}}", "", "template: inspect:1:13: executing \"inspect\" at <not>: wrong number of args for not: want 1 got 0"],
  ["{{and}}", "", "template: inspect:1:13: executing \"inspect\" at <and>: wrong number of args for and: want at least 1 got 0"],
  ["{{eq}}", "", "template: inspect:1:13: executing \"inspect\" at <eq>: wrong number of args for eq: want at least 1 got 0"],
  ["{{eq 1}}", "", "template: inspect:1:13: executing \"inspect\" at <eq 1>: error calling eq: missing argument for comparison"],
  ["{{html 1 \"a\"}}|{{js 1}}|{{urlquery 1 2}}|{{print}}|{{len .Labels}}|{{index .RepoTags 0}}|{{index .RepoTags -1}}", "1a|1|1+2||1|localhost/fmtest:latest|", "template: inspect:1:102: executing \"inspect\" at <index .RepoTags -1>: error calling index: index out of range: -1"],
  ["{{ $x := 1 }}{{ $x.y }}", "", "template: inspect:1:29: executing \"inspect\" at <$x.y>: can't evaluate field y in type int"],
  ["{{ (1) }} {{ (\"a\").x }}", "1 ", "template: inspect:1:25: executing \"inspect\" at <\"a\">: can't evaluate field x in type string"],
  ["a\nb {{ .Os.Nope }}", "a\nb ", "template: inspect:2:8: executing \"inspect\" at <.Os.Nope>: can't evaluate field Nope in type string"],
  ["{{ .Os . }}", "", "template: inspect:1:14: executing \"inspect\" at <.Os>: Os has arguments but cannot be invoked as function"],
  ["{{ range .RepoTags }}{{ continue 1 }}{{ end }}", "", "template: inspect:1: unexpected \"1\" in {{continue}}"],
  ["{{range 5}}{{end}}", "", "template: inspect:1:19: executing \"inspect\" at <5>: range can't iterate over 5"],
  ["{{template \"nope\"}}", "", "template: inspect:1:22: executing \"inspect\" at <{{template \"nope\"}}>: template \"nope\" not defined"],
  ["{{index .RepoTags 3}}", "", "template: inspect:1:13: executing \"inspect\" at <index .RepoTags 3>: error calling index: reflect: slice index out of range"],
  ["{{index \"abc\" 3}}", "", "template: inspect:1:13: executing \"inspect\" at <index \"abc\" 3>: error calling index: reflect: string index out of range"],
  ["{{ .Os }", "", "template: inspect:1: unexpected \"}\" in operand"],
  ["{{ $x = 1 }}", "", "template: inspect:1:19: executing \"inspect\" at <1>: undefined variable: $x"],
];

const VERSION_CASES: Case[] = [
  ["{{.Client.Version}}", "4.3.1\n"],
  ["{{.Client}}", "{4.3.1 4.3.1 go1.19.8  Thu Jan  1 00:00:00 1970 0 linux/amd64 linux}\n"],
  ["{{json .Client}}", "{\"APIVersion\":\"4.3.1\",\"Version\":\"4.3.1\",\"GoVersion\":\"go1.19.8\",\"GitCommit\":\"\",\"BuiltTime\":\"Thu Jan  1 00:00:00 1970\",\"Built\":0,\"OsArch\":\"linux/amd64\",\"Os\":\"linux\"}\n"],
  ["{{.Client.Os}}\\t{{.Client.Version}}", "linux\t4.3.1\n"],
  ["{{printf \"%v|%d|%5d|%-5d|%x|%X|%o|%b|%q|%t|%f|%.2f|%e|%g|%s|%%|%c|%U\" .Client.Os 42 42 42 255 255 8 5 \"a\\\"b\" true 3.14159 3.14159 1234.5678 0.000012 \"str\" 65 65}}", "linux|42|   42|42   |ff|FF|10|101|\"a\\\"b\"|true|3.141590|3.14|1.234568e+03|1.2e-05|str|%|A|U+0041\n"],
  ["{{printf \"%d\" \"str\"}}|{{printf \"%s\" 42}}|{{printf \"%d\"}}|{{printf \"%s %s\" \"a\"}}|{{printf \"x\" 1}}", "%!d(string=str)|%!s(int=42)|%!d(MISSING)|a %!s(MISSING)|x%!(EXTRA int=1)\n"],
  ["{{printf \"%v %v %v %v\" nil true 1.5 \"s\"}}|{{print 1 2 \"a\" \"b\" 3 nil}}|{{println \"a\" 1}}", "<nil> true 1.5 s|1 2ab3 <nil>|a 1\n\n"],
  ["{{print 1.0}} {{print 1e21}} {{print 1e20}} {{print 0.1}} {{print 1e-5}} {{print 3}} {{print 2.5}}", "1 1e+21 1e+20 0.1 1e-05 3 2.5\n"],
  ["{{printf \"%6.2f|%-8.3f|%08.3f|%+d|% d|%x|%q|%v\" 3.14159 2.5 -2.5 5 5 \"hi\" 65 \"tab\\there\"}}", "  3.14|2.500   |-002.500|+5| 5|6869|'A'|tab\there\n"],
  ["{{$v := .Client}}{{$v.Os}} {{$x := 1}}{{$x = 2}}{{$x}} {{with $y := .Client.Version}}{{$y}}{{end}}", "linux 2 4.3.1\n"],
  ["{{define \"t\"}}[{{.}}]{{end}}{{template \"t\" .Client.Os}}{{block \"b\" .Client.Version}}<{{.}}>{{end}}", "[linux]<4.3.1>\n"],
  ["{{and 1 0 2}}|{{and 1 2}}|{{or 0 \"\" \"x\"}}|{{or 0 \"\"}}|{{not 0}}|{{not \"a\"}}|{{len \"héllo\"}}|{{index \"abc\" 1}}|{{slice \"abcdef\" 1 3}}|{{slice \"abcdef\" 2}}", "0|2|x||true|false|6|98|bc|cdef\n"],
  ["{{eq 1 1}}|{{eq 1 2 1}}|{{ne \"a\" \"b\"}}|{{lt 1 2}}|{{le 2 2}}|{{ge \"b\" \"a\"}}|{{eq .Client.Built 0}}", "true|true|true|true|true|true|true\n"],
  ["{{html \"<a href=\\\"x\\\">&'</a>\"}}|{{js \"a'b\\\"c<d>&=\\\\\"}}|{{urlquery \"a b&c=d/é\"}}|{{print \"<>\"}}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;|a\\'b\\\"c\\u003Cd\\u003E\\u0026\\u003D\\\\|a+b%26c%3Dd%2F%C3%A9|<>\n"],
  ["{{.Client.Os | printf \"%s-%s\" \"x\"}}|{{(split \"a,b\" \",\")}}|{{ (split \"a,b\" \",\") | len }}|{{len (split \"a,b\" \",\")}}", "x-linux|[a b]|2|2\n"],
  ["{{- \" a \" -}}  {{- /* comment */ -}}  x {{/* c2 */}} {{`raw\\n`}}", " a x  raw\n\n"],
  ["{{json \"<>&\\u2028é\\x01\\t\\\"\\\\/\\b\\f\"}}|{{json 1.5}}|{{json 100000000000000000000000.0}}|{{json nil}}|{{json (split \"a\" \",\")}}|{{json true}}", "\"<>&\\u2028é\\u0001\\t\\\"\\\\/\\u0008\\u000c\"|1.5|1e+23|null|[\"a\"]|true\n"],
  ["{{if 0}}a{{else if \"\"}}b{{else if \"x\"}}c{{else}}d{{end}}|{{with \"\"}}w{{else}}nw{{end}}|{{with $z := \"q\"}}{{$z}}{{.}}{{end}}", "c|nw|qq\n"],
  ["{{printf \"%t %v %d\" true false true}}|{{printf \"%s\" nil}}|{{printf \"%d\" nil}}|{{printf \"%v\"}}|{{printf \"%!\"}}|{{printf \"%z\" 1}}|{{printf \"%\"}}|{{printf \"%-+08.3f|%+.2e|%G|%.3g|%.10g|%g\" 3.14159 12345.678 1e-10 1125.0 1.0 100000.0}}", "true false %!d(bool=true)|%!s(<nil>)|%!d(<nil>)|%!v(MISSING)|%!!(MISSING)|%!z(int=1)|%!(NOVERB)|+3.142  |+1.23e+04|1E-10|1.12e+03|1|100000\n"],
  ["{{printf \"%.0f %.0f %.0f %.1f\" 0.5 1.5 2.5 0.25}}|{{printf \"%08.3e\" 1234.5}}|{{printf \"%10.3v|\" \"abcdef\"}}|{{printf \"%q\" \"é\\x01\\u2028\"}}|{{printf \"%+q\" \"é\"}}|{{printf \"%#q\" \"ab\"}}|{{printf \"%5t|%-6v|%06.2f|%e\" true 1 -1.5 0.0}}|{{printf \"%3c|%-4q|%U\" 233 97 128512}}", "0 2 2 0.2|1.234e+03|       abc||\"é\\x01\\u2028\"|\"\\u00e9\"|`ab`| true|1     |-01.50|0.000000e+00|  é|'a' |U+1F600\n"],
  ["{{ 0x1F }} {{ 1_000 }} {{ 0o17 }} {{ 0b101 }} {{ -3 }} {{ +3 }} {{ 1e3 }} {{ 1.5e3 }} {{ .5 }} {{ 'a' }} {{ 017 }}", "31 1000 15 5 -3 3 1000 1500 0.5 97 15\n"],
  ["{{ printf \"%s\" | printf }}", "%!!(MISSING)s(MISSING)\n"],
  ["{{ \"a\" | len | printf \"%d\" }}", "1\n"],
  ["{{-3}}", "-3\n"],
  ["{{- 3 -}} {{3 -}} x", "33x\n"],
  ["{{nil}}", "", "template: version:1:2: executing \"version\" at <nil>: nil is not a command"],
  ["{{printf}}", "", "template: version:1:2: executing \"version\" at <printf>: wrong number of args for printf: want at least 1 got 0"],
  ["{{eq 1 \"a\"}}", "", "template: version:1:2: executing \"version\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison"],
  ["{{lt true false}}", "", "template: version:1:2: executing \"version\" at <lt true false>: error calling lt: invalid type for comparison"],
  ["{{index (split \"a,b\" \",\") 5}}", "", "template: version:1:2: executing \"version\" at <index (split \"a,b\" \",\") 5>: error calling index: index out of range: 5"],
  ["{{ 1 2 }}", "", "template: version:1:3: executing \"version\" at <1>: can't give argument to non-function 1"],
  ["{{nofunc 1}}", "", "template: version:1: function \"nofunc\" not defined"],
  ["{{\"unterminated}}", "", "template: version:1: unterminated quoted string"],
  ["{{.Client.Os | 1}}", "", "template: version:1: non executable command in pipeline stage 2"],
  ["{{(1}}", "", "template: version:1: unclosed left paren"],
  ["{{1)}}", "", "template: version:1: unexpected \")\" in command"],
  ["{{/* unclosed", "", "template: version:1: unclosed comment"],
  ["{{ | printf }}", "", "template: version:1: unexpected \"|\" in command"],
  ["{{ break }}", "", "template: version:1: {{break}} outside {{range}}"],
  ["{{end}}", "", "template: version:1: unexpected {{end}}"],
  ["{{else}}", "", "template: version:1: unexpected {{else}}"],
  ["{{range}}{{end}}", "", "template: version:1: missing value for range"],
  ["{{ 3.x }}", "", "template: version:1: bad number syntax: \"3.x\""],
  ["{{ 'ab' }}", "", "template: version:1: malformed character constant: 'ab'"],
  ["{{ - }}", "", "template: version:1: illegal number syntax: \"-\""],
  ["{{ .Client.Os }x", "", "template: version:1: unexpected \"}\" in operand"],
  ["{{ .Client.Os{}}", "", "template: version:1: bad character U+007B '{'"],
  ["{{$x}", "", "template: version:1: bad character U+007D '}'"],
  ["{{ .}", "", "template: version:1: bad character U+007D '}'"],
  ["{{ \"\\z\" }}", "", "template: version:1: invalid syntax"],
  ["{{template}}", "", "template: version:1: unexpected \"}}\" in template clause"],
  ["{{template .Client}}", "", "template: version:1: unexpected \".Client\" in template clause"],
  ["{{range $i, $v, $w := .}}{{end}}", "", "template: version:1: too many declarations in range"],
  ["{{ .A := 1 }}", "", "template: version:1: unexpected \":=\" in operand"],
  ["{{$x := }}", "", "template: version:1: missing value for command"],
  ["{{if 1}}{{else}}{{else}}{{end}}", "", "template: version:1: expected end; found {{else}}"],
  ["{{\"a\"}}{{/*x*/ }}", "", "template: version:1: comment ends before closing delimiter"],
  ["{{ \"a\".x }}", "", "template: version:1: unexpected . after term \"\\\"a\\\"\""],
  ["{{ 1\n\n\"abc", "", "template: version:3: unterminated quoted string in action started at version:1"],
  ["{{ 1\n\n.x}", "", "template: version:3: bad character U+007D '}' in action started at version:1"],
  ["{{ 1\n", "", "template: version:2: unclosed action started at version:1"],
  ["{{ 1 \n \n x", "", "template: version:3: function \"x\" not defined"],
  ["{{ range $k, $v := split \"a\" \",\" }}{{ $k }}{{ end }}{{ $k }}", "", "template: version:1: undefined variable \"$k\""],
  ["{{ 99999999999999999999 }}", "", "template: version:1: integer overflow: \"99999999999999999999\""],
  ["{{ 3-1 }}", "", "template: version:1: bad number syntax: \"3-1\""],
];

/** Runs render and returns [output, error], output being the partial output on failure. */
function run(render: () => string): [string, string | undefined] {
  try {
    return [render(), undefined];
  } catch (err) {
    const e = err as Error & { partial?: string; code?: string };
    assert.equal(e.code, 'invalid-argument', e.message);
    return [e.partial ?? '', e.message];
  }
}

function replay(name: string, cases: Case[], render: (format: string) => string): void {
  test(name, () => {
    for (const [format, stdout, error] of cases) {
      assert.deepEqual(run(() => render(format)), [stdout, error], `format ${JSON.stringify(format)}`);
    }
  });
}

replay('podman images --format', IMAGES, (format) => renderList({ format, rows: ROWS, headers: HEADERS, name: 'images' }));
replay('podman images --noheading --format', IMAGES_NOHEADING, (format) =>
  renderList({ format, rows: ROWS, headers: HEADERS, name: 'images', noHeading: true }),
);
replay('podman images --format, no images', EMPTY, (format) => renderList({ format, rows: [], headers: HEADERS, name: 'images' }));
replay('podman image inspect --format', INSPECT, (format) => renderEach(format, [IMAGE], 'inspect'));
replay('podman version --format', VERSION_CASES, (format) => renderOne(format, VERSION, 'version'));

test('podman images --format json and {{ json . }}: MarshalIndent with 4 spaces, HTML escaped', () => {
  const entry = (indent: string) =>
    [
      `{`,
      `    "Id": "${ID}",`,
      `    "ParentId": "",`,
      `    "RepoTags": null,`,
      `    "RepoDigests": [`,
      `        "localhost/fmtest2@${DIGEST}",`,
      `        "localhost/fmtest@${DIGEST}"`,
      `    ],`,
      `    "Size": 1987704,`,
      `    "SharedSize": 0,`,
      `    "VirtualSize": 1987704,`,
      `    "Labels": {`,
      `        "foo": "bar\\u003cx\\u003e"`,
      `    },`,
      `    "Containers": 0,`,
      `    "Names": [`,
      `        "localhost/fmtest:latest",`,
      `        "localhost/fmtest:v2",`,
      `        "localhost/fmtest2:other"`,
      `    ],`,
      `    "Digest": "${DIGEST}",`,
      `    "History": [`,
      `        "localhost/fmtest2:other",`,
      `        "localhost/fmtest:v2",`,
      `        "localhost/fmtest:latest"`,
      `    ],`,
      `    "Created": 1795432094,`,
      `    "CreatedAt": "2026-11-23T11:08:14Z"`,
      `}`,
    ]
      .map((l) => indent + l)
      .join('\n');
  const want = `[\n${[0, 1, 2].map(() => entry('    ')).join(',\n')}\n]\n`;
  for (const format of ['json', '{{ json . }}', '{{json .}}']) {
    assert.equal(renderList({ format, rows: ROWS, headers: HEADERS, name: 'images', json: [SUMMARY, SUMMARY, SUMMARY] }), want);
  }
});
