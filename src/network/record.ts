/**
 * `network.json` in a bridge container's run directory: the exact document netavark was (or is
 * being) set up with, and its answer once setup succeeded. Teardown undoes exactly what setup
 * did from it, whatever process does it and whenever; inspect reads the addresses from it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetavarkOptions } from './netavark.ts';
import type { NetworkStatus } from './types.ts';

export interface NetworkRecord {
  readonly options: NetavarkOptions;
  readonly status?: Record<string, NetworkStatus>;
}

export const NETWORK_FILE = 'network.json';

export function readNetworkRecord(runDir: string): NetworkRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, NETWORK_FILE), 'utf8')) as NetworkRecord;
  } catch {
    return undefined;
  }
}

export function writeNetworkRecord(runDir: string, rec: NetworkRecord): void {
  writeFileSync(join(runDir, NETWORK_FILE), JSON.stringify(rec), { mode: 0o600 });
}
