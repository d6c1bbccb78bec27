/**
 * Where a container's files live (DESIGN §2; like Podman's userdata split):
 *   persistent, in the graph root:  containers/<ID>/userdata/   the OCI bundle: config.json,
 *                                   ctr.log, attach, ctl, winsz, shm/
 *   volatile, in the run root:      containers/<ID>/            pidfile, conmon.pid, oci-log,
 *                                   hostname, hosts, resolv.conf, .containerenv,
 *                                   attached.lock (see attach-run.ts)
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
    runDir,
    pidFile: join(runDir, 'pidfile'),
    conmonPidFile: join(runDir, 'conmon.pid'),
    ociLog: join(runDir, 'oci-log'),
    hostname: join(runDir, 'hostname'),
    hosts: join(runDir, 'hosts'),
    resolvConf: join(runDir, 'resolv.conf'),
    containerEnv: join(runDir, '.containerenv'),
    attachedLock: join(runDir, 'attached.lock'),
    exitDir,
    exitFile: join(exitDir, id),
    lock: join(config.runRoot, 'locks', `${id}.lock`),
  };
}
