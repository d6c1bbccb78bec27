/**
 * docker/go-units as Podman 4.3.1 prints through it: ages (`HumanDuration`), decimal sizes
 * (`HumanSizeWithPrecision`, which Podman calls with precision 3, and 4 for `stats`) and
 * binary sizes (`BytesSize`).
 */
import { formatFloat } from './fmt.ts';

/**
 * go-units HumanDuration: `Less than a second`, `1 second`, `45 seconds`, `About a minute`,
 * `3 minutes`, `About an hour`, `2 hours` … `47 hours`, `2 days` … `13 days`, `2 weeks` …,
 * `2 months` …, `2 years`. Hours are rounded to the nearest (1h29m is "About an hour"); every
 * other unit is truncated.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/**
 * go-units HumanSizeWithPrecision: `%.<precision>g` of the size in the largest decimal unit
 * not above it, no space: `12B`, `1.98MB`, `703kB`. This is what `ps --size` and
 * `image tree` print. Go's %g keeps its quirks: 999.9 kB at precision 3 is `1e+03kB`.
 */
export function humanSizeCompact(bytes: number, precision = 3): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return formatFloat(size, 'g', precision) + DECIMAL_UNITS[i];
}

/**
 * The size as `podman images` and `podman history` print it: the compact form with a space
 * put after the last digit (`2.14 MB`, `703 kB`, `12 B`).
 */
export function humanSize(bytes: number, precision = 3): string {
  const s = humanSizeCompact(bytes, precision);
  const j = s.search(/\D*$/);
  return `${s.slice(0, j)} ${s.slice(j)}`;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/**
 * go-units BytesSize: `%.4g` of the size in the largest binary unit not above it, no space:
 * `364KiB`, `23.54GiB`. `podman stats` prints it for `{{.MemUsageBytes}}`.
 */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return formatFloat(size, 'g', 4) + BINARY_UNITS[i];
}
