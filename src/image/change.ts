/**
 * `--change` instructions (import, commit): a Dockerfile instruction applied to an image
 * config. Accepted as `KEY=VALUE` or `KEY VALUE`, as Podman does.
 */
import { SkiffError } from '../util/errors.ts';
import type { ContainerConfig } from './types.ts';

export const CHANGE_KEYS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] as const;

function splitInstruction(change: string): { key: string; value: string } {
  const m = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$/s.exec(change);
  if (!m) throw new SkiffError('invalid-argument', `invalid change "${change}": expected INSTRUCTION VALUE`);
  return { key: m[1].toUpperCase(), value: m[2].trim() };
}

/** A JSON string array (exec form) or undefined when the value is not one. */
function jsonArray(value: string): string[] | undefined {
  if (!value.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(value);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Not JSON: shell form.
  }
  return undefined;
}

/** Splits `A=b C="d e"` or the legacy `A b` into pairs. */
function keyValues(value: string, what: string): [string, string][] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < value.length) cur += value[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\' && i + 1 < value.length) cur += value[++i];
    else if (/\s/.test(ch)) {
      if (cur !== '') words.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') words.push(cur);
  if (words.length > 0 && !words[0].includes('=')) {
    // Legacy form: KEY VALUE...
    const rest = value.replace(/^\s*\S+\s*/, '');
    return [[words[0], rest]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new SkiffError('invalid-argument', `invalid ${what} "${w}": expected KEY=VALUE`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** The field order of the OCI image config's `config` (Go struct order), which fixes the bytes
 * and so the image ID of what import and commit write. */
const OCI_CONFIG_ORDER = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped'];

export function orderConfigKeys(cfg: ContainerConfig): ContainerConfig {
  const out: ContainerConfig = {};
  for (const k of OCI_CONFIG_ORDER) if (cfg[k] !== undefined) out[k] = cfg[k];
  for (const [k, v] of Object.entries(cfg)) if (!OCI_CONFIG_ORDER.includes(k) && v !== undefined) out[k] = v;
  return out;
}

/** Applies changes to a copy of the config and returns it (keys in OCI order). */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  for (const change of changes) {
    const { key, value } = splitInstruction(change);
    switch (key) {
      case 'CMD':
        cfg.Cmd = jsonArray(value) ?? ['/bin/sh', '-c', value];
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = jsonArray(value) ?? ['/bin/sh', '-c', value];
        break;
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(value, 'ENV')) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        cfg.Env = env;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(value, 'LABEL')) labels[k] = v;
        cfg.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of value.split(/\s+/).filter(Boolean)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new SkiffError('invalid-argument', `invalid EXPOSE port "${p}"`);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(cfg.Volumes ?? {}) };
        for (const v of jsonArray(value) ?? value.split(/\s+/).filter(Boolean)) vols[v] = {};
        cfg.Volumes = vols;
        break;
      }
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), value];
        break;
      case 'STOPSIGNAL':
        cfg.StopSignal = value;
        break;
      case 'USER':
        cfg.User = value;
        break;
      case 'WORKDIR':
        cfg.WorkingDir = value.startsWith('/') || !cfg.WorkingDir ? value : `${cfg.WorkingDir.replace(/\/$/, '')}/${value}`;
        break;
      default:
        throw new SkiffError('invalid-argument', `invalid change "${change}" - invalid instruction ${key}`);
    }
  }
  return orderConfigKeys(cfg);
}
