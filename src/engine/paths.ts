/**
 * Where a container's files live (DESIGN §2; like Podman's userdata split):
 *   persistent, in the graph root:  containers/<ID>/userdata/   the OCI bundle: config.json
 *                                   (0600), ctr.log, attach, ctl, winsz, shm/, secrets/ (copies
 *                                   of the mount secrets, 0700)
 *   volatile, in the run root:      containers/<ID>/            pidfile, conmon.pid, oci-log,
 *                                   hostname, hosts, resolv.conf, .containerenv,
 *                                   attached.lock (see attach-run.ts),
 *                                   netns (the network namespace skiff made, pinned),
 *                                   run/secrets/ (mounted at /run/secrets)
 *                                   exits/<ID>                   conmon's exit file
 *                                   locks/<ID>.lock              the container's lock
 */
import { join } from 'node:path';
import type { Config } from '../config/config.ts';

export interface ContainerPaths {
  readonly bundle: string;
  readonly config: string;
  readonly log: string;
  readonly shm: string;
  /** Copies of the container's mount secrets, made at create. */
  readonly secrets: string;
  /** An empty directory mounted at /run/secrets: the secrets' mount points are made in it. */
  readonly secretsMountDir: string;
  readonly runDir: string;
  readonly pidFile: string;
  readonly conmonPidFile: string;
  readonly ociLog: string;
  readonly hostname: string;
  readonly hosts: string;
  readonly resolvConf: string;
  readonly containerEnv: string;
  /** flock(2)ed by an attached `run --rm` that removes the container itself. */
  readonly attachedLock: string;
  /** The container's network namespace, pinned by a bind mount (src/network/netns.ts). */
  readonly netns: string;
  readonly exitDir: string;
  readonly exitFile: string;
  readonly lock: string;
}

export function containerPaths(config: Config, id: string): ContainerPaths {
  const bundle = join(config.graphRoot, 'containers', id, 'userdata');
  const runDir = join(config.runRoot, 'containers', id);
  const exitDir = join(config.runRoot, 'exits');
  return {
    bundle,
    config: join(bundle, 'config.json'),
    log: join(bundle, 'ctr.log'),
    shm: join(bundle, 'shm'),
    secrets: join(bundle, 'secrets'),
    secretsMountDir: join(runDir, 'run', 'secrets'),
    runDir,
    pidFile: join(runDir, 'pidfile'),
    conmonPidFile: join(runDir, 'conmon.pid'),
    ociLog: join(runDir, 'oci-log'),
    hostname: join(runDir, 'hostname'),
    hosts: join(runDir, 'hosts'),
    resolvConf: join(runDir, 'resolv.conf'),
    containerEnv: join(runDir, '.containerenv'),
    attachedLock: join(runDir, 'attached.lock'),
    netns: join(runDir, 'netns'),
    exitDir,
    exitFile: join(exitDir, id),
    lock: join(config.runRoot, 'locks', `${id}.lock`),
  };
}

/** Where a container keeps its copy of its `index`th secret (one copy per --secret, in order). */
export function secretCopyPath(dir: string, index: number): string {
  return join(dir, String(index));
}
