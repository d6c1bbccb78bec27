import { isSkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { marshalJson } from '../format/json.ts';
import { renderEach } from '../format/report.ts';
import { GO_TYPE } from '../format/value.ts';

/** Podman's --pretty template, spacing included. */
const PRETTY = `ID:              {{.ID}}
Name:              {{.Spec.Name}}
{{- if .Spec.Labels }}
Labels:
{{- range $k, $v := .Spec.Labels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Driver:            {{.Spec.Driver.Name}}
Created at:        {{.CreatedAt}}
Updated at:        {{.UpdatedAt}}`;

export const command: CommandSpec = {
  use: 'inspect [options] SECRET [SECRET...]',
  long: 'Display detail information on one or more secrets',
  examples: ['skiff secret inspect MYSECRET'],
  args: { kind: 'min', n: 1 },
  flags: [
    { name: 'format', short: 'f', type: 'string', usage: 'Format inspect output using Go template' },
    { name: 'pretty', type: 'bool', usage: 'Print inspect output in human-readable format' },
    { name: 'showsecret', type: 'bool', usage: 'Display the secret' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const svc = await engine.secrets();
    const showSecret = ctx.flags.showsecret as boolean;
    const found: Record<string, unknown>[] = [];
    const errors: string[] = [];
    for (const input of ctx.args) {
      try {
        const report = svc.inspect(svc.resolve(input), { showSecret });
        // Go's encoder leaves SecretData out when empty (omitempty); templates still see it.
        Object.defineProperty(report, 'toJSON', {
          enumerable: false,
          value: () => Object.fromEntries(Object.entries(report).filter(([k, v]) => k !== 'SecretData' || v !== '')),
        });
        found.push(tag(report));
      } catch (e) {
        if (!isSkiffError(e) || (e.code !== 'no-such-object' && e.code !== 'ambiguous-id')) throw e;
        errors.push(e.message);
      }
    }
    if (ctx.flags.pretty) ctx.out(renderEach(PRETTY, found, 'inspect'));
    else if (ctx.changed.has('format')) ctx.out(renderEach(ctx.flags.format as string, found, 'inspect'));
    else ctx.out(`${marshalJson(found, { indent: '    ', escapeHTML: true })}\n`);
    if (errors.length === 0) return 0;
    for (const e of errors.slice(1)) ctx.err(`error inspecting secret: ${e}\n`);
    ctx.err(`Error: inspecting secret: ${errors[0]}\n`);
    return 125;
  },
};

/** Go type names for template errors (`can't evaluate field X in type *entities.SecretInfoReport`). */
function tag(report: Record<string, unknown>): Record<string, unknown> {
  const spec = report.Spec as Record<string, unknown>;
  Object.defineProperty(spec.Driver, GO_TYPE, { value: 'entities.SecretDriverSpec', enumerable: false });
  Object.defineProperty(spec, GO_TYPE, { value: 'entities.SecretSpec', enumerable: false });
  Object.defineProperty(report, GO_TYPE, { value: '*entities.SecretInfoReport', enumerable: false });
  return report;
}
