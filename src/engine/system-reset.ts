/**
 * `system reset` and `system migrate`: the whole store of this user emptied, or every running
 * container stopped, and (rootless) the pause process ended so that the next command makes
 * its namespace from the current /etc/subuid and /etc/subgid.
 */
import { realpathSync, rmSync } from 'node:fs';
import { SkiffError } from '../util/errors.ts';
import { mountsUnder } from '../util/fsx.ts';
import { MNT_DETACH, umount2 } from '../util/syscall.ts';
import type { Engine } from './engine.ts';

/** What reset removes besides the objects: the store's own directories. */
export function resetTargets(engine: Engine): { graphRoot: string; runRoot: string } {
  return { graphRoot: engine.config.graphRoot, runRoot: engine.config.runRoot };
}

/**
 * Removes every container (stopped first), image, volume and secret through the engine, then
 * the graph and run roots. Whatever is still mounted below them is unmounted first, so that
 * the removal never reaches through a mount into files that are not the store's.
 */
export async function resetStore(engine: Engine, warn: (m: string) => void): Promise<void> {
  const { graphRoot, runRoot } = resetTargets(engine);
  for (const c of engine.containers.list()) {
    try {
      await engine.containers.remove(c, { force: true, timeout: 0, volumes: true, warn });
    } catch (err) {
      warn(`removing container ${c.id}: ${(err as Error).message}`);
    }
  }
  for (const v of engine.volumes.list()) {
    try {
      await engine.volumes.remove(v, { force: true, timeout: 0 });
    } catch (err) {
      warn(`removing volume ${v.name}: ${(err as Error).message}`);
    }
  }
  try {
    await engine.images.remove([], { all: true, force: true });
  } catch (err) {
    warn(`removing images: ${(err as Error).message}`);
  }
  engine.close();
  await stopRootless(engine);
  for (const dir of [runRoot, graphRoot]) {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      continue; // not there: nothing to remove
    }
    // Nothing is removed while something is still mounted below it: files there are not the store's.
    for (const point of mountsUnder(real)) {
      try {
        umount2(point, MNT_DETACH);
      } catch (err) {
        throw new SkiffError('io', `unmounting ${point}: ${(err as Error).message}: ${dir} was left in place`);
      }
    }
    rmSync(real, { recursive: true, force: true });
    if (real !== dir) rmSync(dir, { force: true });
  }
}

/**
 * `system migrate`: stops every running container, each in turn; `stopped` hears of each one
 * stopped, `warn` of each one that could not be (the others are still stopped).
 */
export async function stopAllContainers(engine: Engine, stopped: (id: string) => void, warn: (m: string) => void): Promise<void> {
  for (const c of engine.containers.list()) {
    const cur = engine.containers.sync(c);
    if (cur.state.status !== 'running' && cur.state.status !== 'paused') continue;
    try {
      const warning = await engine.containers.stop(cur);
      if (warning) warn(warning);
      stopped(cur.id);
    } catch (err) {
      warn(`cannot stop container ${cur.id}: ${(err as Error).message}`);
    }
  }
}

/** Rootless: ends the pause process. Root has none. */
export async function stopRootless(engine: Engine): Promise<void> {
  if (!engine.config.rootless) return;
  const { rootlessUser } = await import('../rootless/userns.ts');
  const user = rootlessUser();
  if (user) (await import('../rootless/pause.ts')).stopPause(user);
}
