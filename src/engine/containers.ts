/**
 * Container lifecycle (like libpod's Container): create, init, start, attach, wait, stop,
 * kill, pause, cleanup, remove. Each container has a lock (a kernel-released flock in the run
 * root); lock order: the container's lock, then the store lock, never the other way round.
 * State is re-read after taking the lock. No process of ours stays behind a detached
 * container: conmon watches it and runs `skiff container cleanup` when it exits.
 */
import { appendFileSync, chownSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRecord } from '../image/store.ts';
import type { ImageConfig } from '../image/types.ts';
import type { JoinedNetwork } from '../network/netavark.ts';
import type { NetworkService } from './networks.ts';
import type { ContainerSecret, ContainerSpec, NamespaceMode, SpecContext } from '../runtime/spec/types.ts';
import { processAlive } from '../runtime/exitfile.ts';
import { runtimeStatusSync } from '../runtime/oci.ts';
import { type ContainerRecord, type ContainerState, ContainerStore } from '../state/containers.ts';
import { SkiffError } from '../util/errors.ts';
import { FileLock } from '../util/lock.ts';
import { rfc3339Nano } from '../util/time.ts';
import type { Engine } from './engine.ts';
import { type ContainerPaths, containerPaths, secretCopyPath } from './paths.ts';
import { buildContainerSpec, type CreateFlags, generateName, planVolumeMounts, validateName } from './specgen.ts';
import { autoAllocations, currentUsernsContext, needsShiftedRootfs, resolveUserns } from './userns.ts';
import { anonymousVolumeName } from './volumes.ts';
import { pinsNetns } from '../network/files.ts';
import { type SharedNetwork, writeContainerFiles } from './container-files.ts';
import { parseExpose, parseNetworkFlags } from '../network/flags.ts';
import { validateVolumeName } from '../volume/options.ts';
import { randomHex } from '../util/random.ts';

export function noSuchContainer(input: string): SkiffError {
  return new SkiffError('no-such-object', `no container with name or ID "${input}" found: no such container`);
}

/** A status as Podman names it in messages: a container never started is "created". */
export function statusName(status: ContainerState['status']): string {
  return status === 'configured' ? 'created' : status;
}

export function stateImproper(message: string): SkiffError {
  return new SkiffError('invalid-argument', `${message}: container state improper`);
}

/** A random 64-hex ID whose 12-char short form is not all digits (it could pass for a PID). */
export function newContainerId(): string {
  for (;;) {
    const id = randomHex(32);
    if (!/^\d{12}/.test(id)) return id;
  }
}

export class ContainerService {
  readonly #engine: Engine;
  readonly records: ContainerStore;

  constructor(engine: Engine) {
    this.#engine = engine;
    this.records = new ContainerStore(engine.store.db);
  }

  paths(id: string): ContainerPaths {
    return containerPaths(this.#engine.config, id);
  }

  lock(id: string): FileLock {
    mkdirSync(join(this.#engine.config.runRoot, 'locks'), { recursive: true, mode: 0o700 });
    return new FileLock(this.paths(id).lock);
  }

  /** Name, full ID or unique ID prefix; undefined when none or ambiguous. */
  find(input: string): ContainerRecord | undefined {
    const byName = this.records.byName(input);
    if (byName) return byName;
    if (/^[0-9a-f]{1,64}$/.test(input)) {
      const ids = this.records.idsWithPrefix(input);
      if (ids.length === 1) return this.records.get(ids[0]);
    }
    return undefined;
  }

  resolve(input: string): ContainerRecord {
    const c = this.find(input);
    if (!c) throw noSuchContainer(input);
    return this.sync(c);
  }

  /** The most recently created container (--latest). */
  latest(): ContainerRecord {
    const all = this.records.list();
    const last = all.at(-1);
    if (!last) throw new SkiffError('no-such-object', 'no containers to act on: no such container');
    return this.sync(last);
  }

  list(): ContainerRecord[] {
    return this.records.list().map((c) => this.sync(c));
  }

  /**
   * Brings a record up to date with what conmon left: a running container whose exit file
   * exists has exited even if its cleanup has not run yet. Reads only files; writes the DB
   * only when something changed.
   */
  sync(c: ContainerRecord): ContainerRecord {
    if (c.state.status !== 'running' && c.state.status !== 'paused' && c.state.status !== 'created') return c;
    const exit = readExit(this.paths(c.id).exitFile);
    if (exit) {
      return this.records.update(c.id, (s) =>
        s.status === 'running' || s.status === 'paused' || s.status === 'created'
          ? { status: 'exited', exitCode: exit.code, finishedAt: exit.at, pid: 0 }
          : undefined,
      );
    }
    if (c.state.conmonPid > 0 && !processAlive(c.state.conmonPid)) {
      // conmon may have written the exit file and gone between the two looks.
      const late = readExit(this.paths(c.id).exitFile);
      if (late) {
        return this.records.update(c.id, (s) =>
          s.status === 'running' || s.status === 'paused' || s.status === 'created' ? { status: 'exited', exitCode: late.code, finishedAt: late.at, pid: 0 } : undefined,
        );
      }
      // conmon was killed. The container may well still run: then it stays running (stop,
      // kill and rm reach it through the runtime); once it is gone its exit code is lost (-1).
      const status = runtimeStatusSync(this.#engine.ociRuntime(), c.id);
      if (status === 'running' || status === 'paused' || status === 'created') return c;
      return this.records.update(c.id, (s) => (s.status === c.state.status ? { status: 'exited', exitCode: -1, finishedAt: Date.now(), pid: 0 } : undefined));
    }
    return c;
  }

  /**
   * `--network|--ipc|--pid|--uts container:NAME`: the container named, by its full ID, so that a
   * rename or a name reused later cannot change which one is joined.
   */
  #withContainerRefs(spec: ContainerSpec): ContainerSpec {
    const out: Record<string, NamespaceMode> = {};
    for (const { kind, ns, ref } of containerRefs(spec)) {
      const dep = this.find(ref);
      if (!dep) throw new SkiffError('no-such-object', `looking up container to share ${ns} namespace with: no container with name or ID "${ref}" found: no such container`);
      out[kind] = { mode: 'path', path: `container:${dep.id}` };
    }
    return { ...spec, ...out };
  }

  /** Containers whose namespaces are another's (`container:ID`): they depend on it. */
  dependencies(c: ContainerRecord): string[] {
    return [...new Set(containerRefs(c.spec).map((r) => r.ref))];
  }

  /** The containers that join a namespace of `c`'s. */
  dependents(c: ContainerRecord): string[] {
    return this.records.dependentsOf(c.id);
  }

  /**
   * The namespaces of `container:ID` as paths the runtime can join: those of the other
   * container's process, which must run (Podman starts it first, and so does skiff's start).
   */
  #joinedNamespaces(spec: ContainerSpec): ContainerSpec {
    const out: Record<string, NamespaceMode> = {};
    for (const { kind, ns, ref: id } of containerRefs(spec)) {
      const dep = this.records.get(id);
      const cur = dep ? this.sync(dep) : undefined;
      if (!cur || cur.state.status !== 'running' || cur.state.pid <= 0) {
        throw new SkiffError('invalid-argument', `cannot join the ${ns} namespace of container ${id}: it is not running: container state improper`);
      }
      out[kind] = { mode: 'path', path: `/proc/${cur.state.pid}/ns/${ns}` };
    }
    return { ...spec, ...out };
  }

  /**
   * Startup recovery of bridge networks: a container that does not run but still holds
   * addresses (its network is set up) while nobody handles it (its lock is free) was left so by
   * a skiff killed between setup and start, or a conmon killed before its cleanup. Its cleanup
   * runs now: netavark's teardown, the leases, the namespace, the runtime's container. The
   * candidates come from the leases, so that a start does not read every container.
   */
  async #recoverNetworks(networks: NetworkService, except: string): Promise<void> {
    for (const id of networks.state.idleHolders()) {
      const c = id === except ? undefined : this.records.get(id);
      if (!c) continue;
      const lock = this.lock(c.id);
      try {
        await lock.acquire(0);
      } catch {
        continue; // in hand: some skiff is starting or cleaning it up right now
      }
      try {
        const cur = this.sync(this.records.get(c.id) ?? c);
        if (cur.state.status !== 'running' && cur.state.status !== 'paused') await this.cleanupLocked(cur, { remove: false });
      } finally {
        lock.release();
      }
    }
  }

  /** For `--network container:ID`: the network of that container, whose files this one gets. */
  async #sharedNetwork(c: ContainerRecord): Promise<SharedNetwork | undefined> {
    const m = c.spec.network;
    if (m.mode !== 'path' || !m.path.startsWith('container:')) return undefined;
    const dep = this.records.get(m.path.slice('container:'.length));
    if (!dep) return undefined;
    const names = [dep.spec.hostname ?? dep.id.slice(0, 12), dep.name];
    if (dep.spec.network.mode !== 'bridge') return { mode: dep.spec.network.mode, joined: undefined, names };
    const rec = (await this.#engine.networks()).record(this.paths(dep.id));
    const joined = Object.entries(rec?.options.networks ?? {}).flatMap(([name, o]) => {
      const network = rec?.options.network_info[name];
      return network ? [{ network, attachment: { network: name, aliases: o.aliases ?? [], staticIPs: [], interfaceName: o.interface_name }, ips: o.static_ips ?? [] }] : [];
    });
    return { mode: 'bridge', joined, names };
  }

  /** `create`: records the container and its filesystem; nothing runs yet. */
  async create(flags: CreateFlags, image: ImageRecord, imageName: string, command: readonly string[], warn: (line: string) => void = () => {}): Promise<ContainerRecord> {
    const store = this.#engine.store;
    if (flags.name !== undefined) validateName(flags.name, 'running container create option: ');
    const name = flags.name ?? generateName((n) => this.records.nameTaken(n));
    const intent = parseNetworkFlags(flags);
    let spec = this.#withContainerRefs(buildContainerSpec(flags, { imageId: image.id, imageName, command }, name, intent));
    if (!this.#engine.containerCgroups()) spec = withoutResources(spec, warn);
    const userns = resolveUserns(flags, currentUsernsContext(autoAllocations(this.records.list().map((r) => r.spec))));
    if (userns) {
      // keep-id runs the process as the user unless --user says otherwise (Podman's rule).
      const user = spec.user ?? (userns.keepId ? `${userns.keepId.uid}:${userns.keepId.gid}` : undefined);
      spec = { ...spec, userns, user };
    }
    const imageConfig = this.#engine.images.config(image);
    spec = await withNetwork(spec, { rootlessDefault: intent.mode === undefined && this.#engine.config.rootless, exposed: Object.keys(imageConfig.config?.ExposedPorts ?? {}) }, warn);
    // The networks it joins (bridge): each must exist now, as in Podman.
    const attachments = spec.network.mode === 'bridge' ? (await this.#engine.networks()).attachmentsFor(intent.requests) : [];
    // Fail on a missing command now, not at start, as Podman does.
    const entrypoint = spec.entrypoint ?? imageConfig.config?.Entrypoint ?? [];
    const cmd = spec.command ?? (spec.entrypoint !== undefined ? [] : (imageConfig.config?.Cmd ?? []));
    if (entrypoint.length === 0 && cmd.length === 0) {
      throw new SkiffError('invalid-argument', 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
    }
    // What Podman checks at create, not at start: capability names and a seccomp profile file.
    const { mergeCapabilities } = await import('../runtime/spec/capabilities.ts');
    mergeCapabilities([], spec.capAdd, spec.capDrop, []);
    if (spec.seccompProfile !== undefined && spec.seccompProfile !== 'unconfined') {
      const { loadSeccompProfile } = await import('../runtime/spec/seccomp.ts');
      loadSeccompProfile(spec.seccompProfile);
    }
    for (const m of spec.mounts) {
      if (m.type === 'bind' && !existsSync(m.source)) throw new SkiffError('invalid-argument', `statfs ${m.source}: no such file or directory`);
      if (m.type === 'volume' && m.source !== '') validateVolumeName(m.source);
    }
    const planned = planVolumeMounts(spec, Object.keys(imageConfig.config?.Volumes ?? {}), flags.imageVolume ?? 'bind', anonymousVolumeName);
    // Secrets by reference: each must exist now (Podman's rule); mount secrets are copied below.
    let secrets: ContainerSecret[] = [];
    if (flags.secret && flags.secret.length > 0) {
      const { parseSecretOption } = await import('../secrets/options.ts');
      secrets = (await this.#engine.secrets()).resolveRequests(flags.secret.map(parseSecretOption));
    }
    const withVolumes: ContainerSpec = { ...spec, mounts: planned.mounts, ...(secrets.length > 0 ? { secrets } : {}) };
    const id = newContainerId();
    const volumes = this.#engine.volumes;
    await store.write(async () => {
      // A generated name is re-drawn if another skiff took it meanwhile (under the lock now).
      let finalSpec = withVolumes;
      if (flags.name === undefined && this.records.nameTaken(name)) {
        finalSpec = { ...withVolumes, name: generateName((n) => this.records.nameTaken(n)) };
      }
      // auto's block is chosen again under the lock: another create may have taken it meanwhile.
      if (finalSpec.userns?.mode === 'auto') {
        finalSpec = { ...finalSpec, userns: resolveUserns(flags, currentUsernsContext(autoAllocations(this.records.list().map((r) => r.spec)))) };
      }
      this.records.add({ id, name: finalSpec.name, imageId: image.id, spec: finalSpec, created: Date.now() });
      if (attachments.length > 0) (await this.#engine.networks()).state.attach(id, attachments);
      const made: string[] = [];
      try {
        for (const m of finalSpec.mounts) {
          if (m.type !== 'volume') continue;
          if (!volumes.records.get(m.source)) {
            volumes.createLocked({ name: m.source, anonymous: planned.anonymous.has(m.source) });
            made.push(m.source);
          }
          volumes.records.link(id, m.source);
        }
        await store.rootfs.create(id, image.topLayer, needsShiftedRootfs(finalSpec.userns) ? { uidMap: finalSpec.userns.uidMap, gidMap: finalSpec.userns.gidMap } : undefined);
        if (secrets.length > 0) (await this.#engine.secrets()).writeContainerCopies(this.paths(id).secrets, secrets);
      } catch (e) {
        this.records.remove(id);
        await store.rootfs.remove(id).catch(() => {});
        for (const v of made) volumes.removeLocked(v);
        if (secrets.length > 0) rmSync(this.paths(id).secrets, { recursive: true, force: true });
        throw e;
      }
    });
    const rec = this.records.get(id);
    if (!rec) throw new SkiffError('internal', `container ${id} vanished after it was created`);
    return rec;
  }

  /**
   * Prepares a container to start (Podman's init): mounts its filesystem, writes the files it
   * gets, generates config.json and has conmon run `crun create`. Called with its lock held.
   */
  async init(c: ContainerRecord): Promise<ContainerRecord> {
    const engine = this.#engine;
    const p = this.paths(c.id);
    const image = engine.store.images.get(c.imageId);
    if (!image) throw new SkiffError('image-not-known', `${c.imageId}: image not known`);
    const imageConfig = engine.images.config(image);
    mkdirSync(p.runDir, { recursive: true, mode: 0o700 });
    mkdirSync(p.exitDir, { recursive: true, mode: 0o700 });
    rmSync(p.exitFile, { force: true });
    rmSync(p.ociLog, { force: true });
    // A network namespace skiff connects itself (bridge, pasta, slirp4netns) is made first and
    // connected at once, by netavark or the helper, while the rest is prepared. A container
    // with a user namespace of its own must own its network namespace too (the runtime sets
    // its sysctls from inside): the runtime makes it, and the connecting follows the create.
    // A bridge container's host ports are bound before anything else (a port in use fails
    // with nothing made) and its addresses handed out (its /etc/hosts names them).
    const net = c.spec.network.mode;
    const helped = net === 'pasta' || net === 'slirp4netns' ? net : undefined;
    let netns: Promise<void> | undefined;
    let network: Promise<void> | undefined;
    let held: number[] = [];
    let joined: JoinedNetwork[] | undefined;
    let bridgeAfterCreate: ((pid: number) => Promise<void>) | undefined;
    let created: ContainerRecord | undefined;
    try {
      if (net === 'bridge') {
        const [networks, { createNetns, pinNetns }, { reservePorts }] = await Promise.all([engine.networks(), import('../network/netns.ts'), import('../network/reserve.ts')]);
        // A start cut short (skiff killed) left its network set up: undo it first, and the same
        // for any other container so left behind.
        if (networks.record(p)) await networks.teardown(c, p);
        await this.#recoverNetworks(networks, c.id);
        held = reservePorts(c.spec.ports ?? []);
        const plan = networks.plan(c, p);
        joined = plan.joined;
        if (pinsNetns(c.spec)) {
          netns = createNetns(p.netns);
          network = netns.then(() => networks.setup(p, plan.options));
          network.catch(() => {});
        } else {
          bridgeAfterCreate = (pid) => {
            pinNetns(`/proc/${pid}/ns/net`, p.netns);
            return networks.setup(p, plan.options);
          };
        }
      } else if (helped && pinsNetns(c.spec)) {
        const [{ createNetns }, { attachNetwork }] = await Promise.all([import('../network/netns.ts'), import('../network/rootless.ts')]);
        netns = createNetns(p.netns);
        network = netns.then(() => attachNetwork(helped, p.netns, p.runDir, c.spec.ports ?? []));
        // Awaited below; a failure elsewhere first must not leave them unhandled.
        network.catch(() => {});
      }
      const res = await this.#initRuntime(c, p, image.topLayer, imageConfig, { netns, held, joined });
      created = this.records.update(c.id, () => ({ status: 'created', pid: res.pid, conmonPid: res.conmonPid, exitCode: null, oomKilled: false }));
      if (bridgeAfterCreate) network = bridgeAfterCreate(res.pid);
      else if (helped && !network) {
        const { attachNetwork } = await import('../network/rootless.ts');
        network = attachNetwork(helped, `/proc/${res.pid}/ns/net`, p.runDir, c.spec.ports ?? []);
      }
      await network;
      return created;
    } catch (err) {
      await network?.catch(() => {});
      await netns?.catch(() => {});
      if (created) {
        // Nothing of it stays but the container, left as created (Podman's state after a
        // failed start): the runtime's container, the helper and the mounts go.
        await this.cleanupLocked(created, { remove: false }).catch(() => {});
        this.records.update(c.id, () => ({ status: 'configured', exitCode: null, pid: 0, conmonPid: 0 }));
      } else if (net === 'bridge' || network) {
        const { removeNetns } = await import('../network/netns.ts');
        if (net === 'bridge') await (await engine.networks()).teardown(c, p);
        else await (await import('../network/rootless.ts')).detachNetwork(p.runDir).exited();
        removeNetns(p.netns);
      }
      throw err;
    } finally {
      // conmon holds the host ports now (or nobody does: the start failed).
      if (held.length > 0) (await import('../network/reserve.ts')).releasePorts(held);
    }
  }

  /**
   * init's part up to the runtime's `create`: the root filesystem, the container's files,
   * config.json, conmon; the runtime joins the network namespace once `netns` has made it, and
   * conmon holds the bound host ports `held` for the container's life.
   */
  async #initRuntime(
    c: ContainerRecord,
    p: ContainerPaths,
    topLayer: string | null,
    imageConfig: ImageConfig,
    net: { netns: Promise<void> | undefined; held: readonly number[]; joined: readonly JoinedNetwork[] | undefined },
  ): Promise<{ pid: number; conmonPid: number }> {
    const engine = this.#engine;
    const rootfs = await engine.store.rootfs.mount(c.id, topLayer);
    this.records.update(c.id, () => ({ mounted: true }));
    ensureMtab(rootfs);
    await resolveWorkdir(c, rootfs, imageConfig.config?.WorkingDir, imageConfig.config?.User);
    await addUserEntries(c, rootfs, c.spec.user ?? imageConfig.config?.User ?? '', c.spec.workdir || imageConfig.config?.WorkingDir || '/');
    await mountShm(p.shm, c.spec.shmSize);
    writeContainerFiles(c, p, net.joined, await this.#sharedNetwork(c));
    const { generateSpec } = await import('../runtime/spec/generate.ts');
    const { hostSpecContext } = await import('./host.ts');
    let cspec = this.#joinedNamespaces(c.spec);
    if (cspec.mounts.some((m) => m.type === 'volume' || m.options.includes('U') || m.options.includes('O'))) {
      const { resolveExecUser } = await import('../runtime/spec/user.ts');
      const user = resolveExecUser(cspec.user ?? imageConfig.config?.User ?? '', { rootfs });
      const dirs = await engine.volumes.prepare(c, rootfs, user);
      const resolved = cspec.mounts.map((m) => (m.type === 'volume' ? { ...m, source: dirs.get(m.source) ?? m.source } : m));
      const { prepareHostMounts } = await import('./mount-prep.ts');
      cspec = { ...cspec, mounts: await prepareHostMounts(resolved, p.bundle, user, engine.store.mountProgram) };
    }
    let specContext = hostSpecContext(engine, c, rootfs, p);
    if (c.spec.secrets && c.spec.secrets.length > 0) specContext = withSecrets(specContext, c, p, (await engine.secrets()).containerEnv(c.spec.secrets));
    const spec = generateSpec(cspec, imageConfig, specContext);
    // 0600: it carries env secrets' values to the runtime. Made anew so an older file's mode cannot stay.
    rmSync(p.config, { force: true });
    writeFileSync(p.config, JSON.stringify(spec), { mode: 0o600 });
    const { createContainer } = await import('../runtime/conmon.ts');
    await net.netns;
    const res = await createContainer({
      ...(net.held.length > 0 ? { heldFds: net.held } : {}),
      ...engine.conmonRuntime(),
      id: c.id,
      name: c.name,
      bundle: p.bundle,
      rundir: p.runDir,
      exitDir: p.exitDir,
      log: c.spec.logDriver === 'k8s-file' ? { driver: 'k8s-file', path: p.log } : { driver: c.spec.logDriver },
      logSizeMax: c.spec.logMaxSize,
      terminal: c.spec.terminal,
      interactive: c.spec.stdin,
      timeout: c.spec.timeout || undefined,
      exitCommand: c.spec.remove ? removingExitCommand(p.attachedLock, engine.exitCommand(['container', 'cleanup', '--rm', c.id])) : engine.exitCommand(['container', 'cleanup', c.id]),
    });
    // Moved once it has created the container: the runtime's own cgroup moves have just
    // paid the kernel's grace period for cgroup migration, so this one is nearly free.
    if (engine.config.cgroupManager === 'cgroupfs' && !engine.config.rootless) await moveConmonToCgroup(res.conmonPid);
    return res;
  }

  /** Starts a created (or stopped/exited: re-initialised) container. Lock held by the caller. */
  async startLocked(c: ContainerRecord, beforeStart?: () => Promise<void>, opts: { byPolicy?: boolean } = {}): Promise<ContainerRecord> {
    let cur = this.sync(c);
    if (cur.state.status === 'running') return cur;
    if (cur.state.status === 'paused') throw stateImproper(`"${cur.id}" is paused, cannot start`);
    if (cur.state.status === 'exited' || cur.state.status === 'stopped') {
      await this.cleanupLocked(cur, { remove: false });
      cur = this.records.get(cur.id) ?? cur;
    }
    // The containers whose namespaces it joins run first, as Podman starts them.
    for (const id of this.dependencies(cur)) {
      const dep = this.records.get(id);
      if (!dep) throw new SkiffError('no-such-object', `container ${id}, whose namespaces ${cur.name} joins, no longer exists`);
      if (this.sync(dep).state.status !== 'running') await this.start(dep);
    }
    if (cur.state.status === 'configured' || cur.state.status === 'exited' || cur.state.status === 'stopped') cur = await this.init(cur);
    if (beforeStart) await beforeStart();
    const { startContainer } = await import('../runtime/oci.ts');
    await startContainer(this.#engine.ociRuntime(), cur.id);
    // A restart by policy counts once it runs, so nobody sees the new count on the old exit.
    return this.records.update(cur.id, (s) =>
      s.status === 'created' ? { status: 'running', startedAt: Date.now(), stoppedByUser: false, ...(opts.byPolicy ? { restarts: s.restarts + 1 } : {}) } : undefined,
    );
  }

  /**
   * The exit command's second half: restarts an exited container when its --restart policy
   * asks for it (never after a user's stop; on-failure only after a non-zero exit and within
   * its retry count). Returns whether it restarted.
   */
  async restartByPolicy(c: ContainerRecord): Promise<boolean> {
    return this.lock(c.id).with(async () => {
      const rec = this.records.get(c.id);
      if (!rec) return false;
      const cur = this.sync(rec);
      const policy = cur.spec.restartPolicy;
      const s = cur.state;
      if (!policy || s.stoppedByUser || (s.status !== 'exited' && s.status !== 'stopped')) return false;
      if (policy.name === 'on-failure' && (s.exitCode === 0 || (policy.maxRetries > 0 && s.restarts >= policy.maxRetries))) return false;
      await this.startLocked(cur, undefined, { byPolicy: true });
      return true;
    });
  }

  /**
   * For an attached `run --rm`, which removes the container itself once it exits: takes the
   * container's attached.lock, which its exit command waits for (see removingExitCommand).
   * Returns the release, to call once the container is removed; the kernel releases the lock
   * if this process dies first. Does nothing where the lock cannot be taken.
   */
  async claimRemoval(c: ContainerRecord): Promise<() => void> {
    const { tryFlockExclusive } = await import('../util/syscall.ts');
    let fd: number | undefined;
    try {
      fd = openSync(this.paths(c.id).attachedLock, 'w', 0o600);
      if (tryFlockExclusive(fd)) {
        const held = fd;
        return () => closeSync(held);
      }
    } catch {
      // no lock: the exit command cleans up as it would for a detached container
    }
    if (fd !== undefined) closeSync(fd);
    return () => {};
  }

  async start(input: string | ContainerRecord, beforeStart?: () => Promise<void>): Promise<ContainerRecord> {
    const c = typeof input === 'string' ? this.resolve(input) : input;
    return this.lock(c.id).with(async () => this.startLocked(this.records.get(c.id) ?? c, beforeStart));
  }

  /** Sends a signal to a running container's process. */
  async kill(c: ContainerRecord, signal: number): Promise<void> {
    const cur = this.sync(c);
    if (cur.state.status !== 'running' && cur.state.status !== 'paused') {
      throw stateImproper(`can only kill running containers. ${cur.id} is in state ${statusName(cur.state.status)}`);
    }
    const { killContainer } = await import('../runtime/oci.ts');
    await killContainer(this.#engine.ociRuntime(), cur.id, signal);
  }

  /** Waits until the container is no longer running; returns its exit code. Bounded by timeoutMs when given. */
  async wait(c: ContainerRecord, timeoutMs?: number): Promise<number> {
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let delay = 5;
    for (;;) {
      const cur = this.sync(this.records.get(c.id) ?? c);
      if (cur.state.status === 'exited' || cur.state.status === 'stopped') return cur.state.exitCode ?? 0;
      if (cur.state.status === 'configured') return cur.state.exitCode ?? 0;
      if (Date.now() > deadline) throw new SkiffError('timeout', `timed out waiting for container ${c.id}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
  }

  /**
   * Podman's stop: the stop signal, up to `timeout` seconds, then SIGKILL; then the cleanup,
   * as Podman's stop does it, so that its network and mounts are gone when stop returns (the
   * exit command's cleanup may come later and finds nothing left to do). Returns a warning to
   * print when SIGKILL was needed.
   */
  async stop(c: ContainerRecord, timeoutSecs?: number): Promise<string | undefined> {
    // Under the lock, so that a restart by policy in progress finishes first and then sees the stop.
    return this.lock(c.id).with(async () => {
      const warning = await this.stopLocked(this.records.get(c.id) ?? c, timeoutSecs);
      const cur = this.records.get(c.id);
      if (cur && (cur.state.status === 'exited' || cur.state.status === 'stopped')) await this.cleanupLocked(cur, { remove: false });
      return warning;
    });
  }

  async stopLocked(c: ContainerRecord, timeoutSecs?: number): Promise<string | undefined> {
    const cur = this.sync(c);
    // Recorded first, and even when the container has just exited on its own: a restart by
    // policy that has not run yet must see that the user wants it stopped.
    if (cur.spec.restartPolicy || cur.state.status === 'running' || cur.state.status === 'paused') {
      this.records.update(cur.id, () => ({ stoppedByUser: true }));
    }
    if (cur.state.status !== 'running' && cur.state.status !== 'paused') return undefined;
    const timeout = timeoutSecs ?? cur.spec.stopTimeout;
    const { killContainer, resumeContainer } = await import('../runtime/oci.ts');
    const rt = this.#engine.ociRuntime();
    if (cur.state.status === 'paused') await resumeContainer(rt, cur.id);
    let warning: string | undefined;
    if (timeout === 0) {
      // Podman skips the stop signal with no time to act on it: SIGKILL at once, no warning.
      await killContainer(rt, cur.id, 9).catch(() => {});
      await this.wait(cur, 5000);
      return undefined;
    }
    try {
      await killContainer(rt, cur.id, cur.spec.stopSignal);
    } catch {
      // Already gone: the wait below sees the exit.
    }
    try {
      await this.wait(cur, timeout * 1000);
    } catch (e) {
      if (!(e instanceof SkiffError) || e.code !== 'timeout') throw e;
      const { signalName } = await import('./specgen.ts');
      warning = `StopSignal ${signalName(cur.spec.stopSignal)} failed to stop container ${cur.name} in ${timeout} seconds, resorting to SIGKILL`;
      await killContainer(rt, cur.id, 9).catch(() => {});
      await this.wait(cur, 5000);
    }
    return warning;
  }

  async pause(c: ContainerRecord): Promise<void> {
    // The freezer is a cgroup's: a container without one cannot be paused (Podman's words on v1).
    if (!this.#engine.containerCgroups()) {
      const why = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'rootless containers get no cgroup of their own here' : 'can not pause containers on rootless containers with cgroup V1';
      throw new SkiffError('unsupported', `${why}: this container does not have a cgroup`);
    }
    const cur = this.sync(c);
    if (cur.state.status === 'paused') throw stateImproper(`"${cur.id}" is already paused`);
    if (cur.state.status !== 'running') throw stateImproper(`"${statusName(cur.state.status)}" is not running, can't pause`);
    const { pauseContainer } = await import('../runtime/oci.ts');
    await pauseContainer(this.#engine.ociRuntime(), cur.id);
    this.records.update(cur.id, (s) => (s.status === 'running' ? { status: 'paused' } : undefined));
  }

  async unpause(c: ContainerRecord): Promise<void> {
    const cur = this.sync(c);
    if (cur.state.status !== 'paused') throw stateImproper(`"${cur.id}" is not paused, can't unpause`);
    const { resumeContainer } = await import('../runtime/oci.ts');
    await resumeContainer(this.#engine.ociRuntime(), cur.id);
    this.records.update(cur.id, (s) => (s.status === 'paused' ? { status: 'running' } : undefined));
  }

  /**
   * After the container's process is gone: record the exit, delete the runtime's state,
   * unmount; with `remove`, remove the container entirely. Idempotent (conmon's exit command
   * and the attached `run` may both get here). Lock held by the caller.
   */
  async cleanupLocked(c: ContainerRecord, opts: { remove: boolean; volumes?: boolean }): Promise<void> {
    const p = this.paths(c.id);
    const cur = this.sync(this.records.get(c.id) ?? c);
    if (cur.state.status === 'running' || cur.state.status === 'paused') {
      throw stateImproper(`cannot clean up container ${cur.id} while it is ${cur.state.status}`);
    }
    // A bridge container's network: netavark tears down what it set up and the addresses go
    // back, beside the rest of the cleanup (removing a network's last bridge takes it ~150 ms).
    const bridge = cur.spec.network.mode === 'bridge';
    const teardown = bridge ? (await this.#engine.networks()).teardown(cur, p) : undefined;
    teardown?.catch(() => {});
    if (cur.state.status === 'created' || cur.state.pid > 0 || cur.state.conmonPid > 0 || existsSync(p.pidFile)) {
      const { deleteContainer } = await import('../runtime/oci.ts');
      await deleteContainer(this.#engine.ociRuntime(), cur.id).catch(() => {});
    }
    // The helper is ended now and waited for last: it takes a while to exit, and only then are
    // its published ports free.
    const helper = cur.spec.network.mode === 'pasta' || cur.spec.network.mode === 'slirp4netns' ? (await import('../network/rootless.ts')).detachNetwork(p.runDir) : undefined;
    if (cur.state.status === 'created') {
      this.records.update(cur.id, (s) => (s.status === 'created' ? { status: 'exited', exitCode: 0, finishedAt: Date.now(), pid: 0 } : undefined));
    }
    await unmountShm(p.shm);
    if (cur.spec.mounts.some((m) => m.options.includes('O'))) {
      const { removeOverlayVolumes } = await import('./mount-prep.ts');
      await removeOverlayVolumes(p.bundle);
    }
    await this.#engine.volumes.release(cur);
    await this.#engine.store.rootfs.unmount(cur.id);
    await teardown;
    if (helper || bridge) {
      const { removeNetns } = await import('../network/netns.ts');
      removeNetns(p.netns);
      if (helper && (cur.spec.ports ?? []).length > 0) await helper.exited();
    }
    rmSync(p.exitFile, { force: true });
    this.records.update(cur.id, () => ({ mounted: false, pid: 0, conmonPid: 0 }));
    if (opts.remove) await this.#removeFiles(cur, opts.volumes ?? false);
  }

  async cleanup(c: ContainerRecord, opts: { remove: boolean; volumes?: boolean }): Promise<void> {
    await this.lock(c.id).with(async () => {
      const cur = this.records.get(c.id);
      if (!cur) return; // removed meanwhile: nothing left to clean
      await this.cleanupLocked(cur, opts);
    });
  }

  /**
   * Podman's rm: refuses a running container unless forced (then stops it first); with
   * `volumes`, also removes its anonymous volumes that no other container uses.
   */
  async remove(c: ContainerRecord, opts: { force?: boolean; timeout?: number; volumes?: boolean; warn?: (message: string) => void } = {}): Promise<void> {
    const dependents = this.dependents(c);
    if (dependents.length > 0) {
      throw new SkiffError('in-use', `container ${c.id} has dependent containers which must be removed before it: ${dependents.join(', ')}: container already exists`);
    }
    await this.lock(c.id).with(async () => {
      let cur = this.records.get(c.id);
      if (!cur) return;
      cur = this.sync(cur);
      if (cur.state.status === 'running' || cur.state.status === 'paused') {
        if (!opts.force) {
          throw new SkiffError(
            'invalid-argument',
            `cannot remove container ${cur.id} as it is ${cur.state.status} - running or paused containers cannot be removed without force: container state improper`,
            { exitCode: 2 },
          );
        }
        const warning = await this.stopLocked(cur, opts.timeout);
        if (warning) opts.warn?.(warning);
        cur = this.sync(this.records.get(cur.id) ?? cur);
      }
      await this.cleanupLocked(cur, { remove: true, volumes: opts.volumes });
    });
  }

  async #removeFiles(c: ContainerRecord, removeVolumes: boolean): Promise<void> {
    const p = this.paths(c.id);
    const volumes = this.#engine.volumes;
    await this.#engine.store.write(async () => {
      const used = c.spec.mounts.filter((m) => m.type === 'volume').map((m) => m.source);
      this.records.remove(c.id);
      await this.#engine.store.rootfs.remove(c.id);
      if (removeVolumes) volumes.removeAnonymousLocked(used);
    });
    rmSync(p.runDir, { recursive: true, force: true });
    rmSync(p.lock, { force: true });
  }

  async rename(c: ContainerRecord, name: string): Promise<void> {
    validateName(name);
    this.records.rename(c.id, name);
  }

  /** Ids of containers using an image (for rmi). */
  usersOf(imageId: string): string[] {
    return this.records.usersOf(imageId);
  }
}

function readExit(path: string): { code: number; at: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const code = Number.parseInt(text, 10);
    const at = statSync(path).ctimeMs;
    return { code: Number.isFinite(code) ? code : -1, at };
  } catch {
    return undefined;
  }
}

/**
 * The spec context with a container's secrets: its mount secrets' copies (made at create) to
 * bind at their targets, a later one of the same target winning as in Podman, an empty
 * directory of the run root for /run/secrets, and its env secrets' values.
 */
function withSecrets(ctx: SpecContext, c: ContainerRecord, p: ContainerPaths, env: Record<string, string>): SpecContext {
  const byTarget = new Map<string, string>();
  (c.spec.secrets ?? []).forEach((s, i) => {
    if (s.type !== 'mount') return;
    const source = secretCopyPath(p.secrets, i);
    if (!existsSync(source)) throw new SkiffError('no-such-object', `the copy of secret ${s.name} is missing from ${p.secrets}`);
    byTarget.delete(s.target);
    byTarget.set(s.target, source);
  });
  const mounts = [...byTarget].map(([destination, source]) => ({ source, destination }));
  if (mounts.length > 0) mkdirSync(p.secretsMountDir, { recursive: true, mode: 0o755 });
  return {
    ...ctx,
    files: { ...ctx.files, ...(mounts.length > 0 ? { secrets: { dir: p.secretsMountDir, mounts } } : {}) },
    ...(Object.keys(env).length > 0 ? { secretEnv: env } : {}),
  };
}

/** /dev/shm's tmpfs: --shm-size in bytes, or containers.conf's default (64 MiB). */
async function mountShm(dir: string, sizeBytes?: number): Promise<void> {
  const { isMountPoint } = await import('../util/fsx.ts');
  mkdirSync(dir, { recursive: true, mode: 0o1777 });
  if (isMountPoint(dir)) return;
  const { mount, MS_NODEV, MS_NOEXEC, MS_NOSUID } = await import('../util/syscall.ts');
  mount('shm', dir, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${sizeBytes === undefined ? '65536k' : sizeBytes}`);
}

async function unmountShm(dir: string): Promise<void> {
  const { isMountPoint } = await import('../util/fsx.ts');
  if (!isMountPoint(dir)) return;
  const { umount2, MNT_DETACH } = await import('../util/syscall.ts');
  umount2(dir, MNT_DETACH);
}

export function createdAtString(c: ContainerRecord): string {
  return rfc3339Nano(c.created);
}

export type { ContainerSpec };

/**
 * Podman gives every container an /etc/mtab (a link to /proc/mounts) when the image has
 * none, so that mount(8) and df work inside.
 */
function ensureMtab(rootfs: string): void {
  const etc = join(rootfs, 'etc');
  try {
    lstatSync(join(etc, 'mtab'));
    return;
  } catch {
    // absent: made below
  }
  try {
    const st = lstatSync(etc);
    if (!st.isDirectory()) return; // a link or file at /etc: leave the image as it is
  } catch {
    mkdirSync(etc, { mode: 0o755 });
  }
  symlinkSync('/proc/mounts', join(etc, 'mtab'));
}

/**
 * Puts conmon into the cgroupfs cgroup Podman uses for it, beside the containers' own: its
 * memory is not charged to the caller's session, and the exit command it runs follows. As in
 * Podman, failing to move it is not fatal: the container runs either way.
 */
async function moveConmonToCgroup(pid: number): Promise<void> {
  const { moveToCgroup } = await import('../runtime/cgroups.ts');
  try {
    moveToCgroup(pid, '/skiff_parent/conmon');
  } catch {
    // Podman only logs this at warning level; skiff has no place to say it that a user reads
    // without asking, and `ps -o cgroup` shows where conmon is.
  }
}

/**
 * Podman's workdir rule: a -w the user gave must exist in the container (unless a mount
 * provides it); the image's WorkingDir is created when missing, owned by the container user.
 */
async function resolveWorkdir(c: ContainerRecord, rootfs: string, imageWorkdir: string | undefined, imageUser: string | undefined): Promise<void> {
  const workdir = c.spec.workdir || imageWorkdir;
  if (!workdir || workdir === '/') return;
  const under = (dest: string) => workdir === dest || workdir.startsWith(`${dest.replace(/\/+$/, '')}/`);
  if (c.spec.mounts.some((m) => under(m.destination)) || Object.keys(c.spec.tmpfs).some(under)) return;
  const { resolveExecUser, resolveInRootfs } = await import('../runtime/spec/user.ts');
  const inside = resolveInRootfs(rootfs, workdir);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(inside);
  } catch {
    st = undefined;
  }
  if (st) {
    if (!st.isDirectory()) throw new SkiffError('invalid-argument', `workdir "${workdir}" exists on container ${c.id}, but is not a directory`);
    return;
  }
  if (c.spec.workdir) throw new SkiffError('invalid-argument', `workdir "${workdir}" does not exist on container ${c.id}`);
  const user = resolveExecUser(c.spec.user ?? imageUser ?? '', { rootfs });
  mkdirSync(inside, { recursive: true, mode: 0o755 });
  chownSync(inside, user.uid, user.gid);
}

/**
 * Podman gives a numeric --user that the image's /etc/passwd does not know an entry there
 * (`UID:*:UID:GID:container user:WORKDIR:/bin/sh`, or --passwd-entry's template), and a
 * numeric group it lacks one in /etc/group, so that tools which look the user up work.
 * The files are changed in the container's own layer; a file the user mounted is left alone.
 */
async function addUserEntries(c: ContainerRecord, rootfs: string, user: string, workdir: string): Promise<void> {
  if (user === '') return;
  const colon = user.indexOf(':');
  const userPart = colon < 0 ? user : user.slice(0, colon);
  const groupPart = colon < 0 ? userPart : user.slice(colon + 1);
  const mounted = (f: string) => c.spec.mounts.some((m) => m.destination === f || m.destination === '/etc');
  const { parseGroup, parsePasswd, resolveInRootfs } = await import('../runtime/spec/user.ts');
  const read = (f: string): string | undefined => {
    try {
      const path = resolveInRootfs(rootfs, f);
      return lstatSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  const append = (f: string, text: string, line: string) => {
    appendFileSync(resolveInRootfs(rootfs, f), `${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
  };
  // keep-id: the user by their own name, as on the host, whatever user the process runs as
  // (Podman's entry: no password, the working directory as home).
  const keep = c.spec.userns?.keepId;
  if (keep?.name) {
    const passwd = read('/etc/passwd');
    if (passwd !== undefined && !mounted('/etc/passwd') && !parsePasswd(passwd).some((e) => e.uid === keep.uid)) {
      append('/etc/passwd', passwd, `${keep.name}:*:${keep.uid}:${keep.gid}:${hostGecos(keep.uid)}:${workdir}:/bin/sh`);
    }
    const group = read('/etc/group');
    if (group !== undefined && !mounted('/etc/group') && !parseGroup(group).some((g) => g.gid === keep.gid)) append('/etc/group', group, `${keep.name}:x:${keep.gid}:${keep.name}`);
  }
  if (/^\d+$/.test(userPart) && !mounted('/etc/passwd')) {
    const passwd = read('/etc/passwd');
    if (passwd !== undefined && !parsePasswd(passwd).some((e) => e.uid === Number(userPart))) {
      let gid = 0;
      if (colon >= 0) {
        if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
        else gid = parseGroup(read('/etc/group') ?? '').find((g) => g.name === groupPart)?.gid ?? 0;
      }
      const home = existsSync(resolveInRootfs(rootfs, `/home/${userPart}`)) ? `/home/${userPart}` : workdir;
      const entry = c.spec.passwdEntry
        ? c.spec.passwdEntry.replaceAll('$USERNAME', userPart).replaceAll('$UID', userPart).replaceAll('$GID', String(gid)).replaceAll('$NAME', 'container user').replaceAll('$HOME', home)
        : `${userPart}:*:${userPart}:${gid}:container user:${home}:/bin/sh`;
      append('/etc/passwd', passwd, entry);
    }
  }
  if (/^\d+$/.test(groupPart) && !mounted('/etc/group')) {
    const group = read('/etc/group');
    if (group !== undefined && !parseGroup(group).some((g) => g.gid === Number(groupPart))) append('/etc/group', group, `${groupPart}:x:${groupPart}:${userPart}`);
  }
}

/** The full-name field of a host user's /etc/passwd entry, for keep-id's entry. */
function hostGecos(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    return line?.split(':')[4] ?? '';
  } catch {
    return '';
  }
}

const SH = '/bin/sh';
const FLOCK = '/usr/bin/flock';

/**
 * The exit command of a --rm container. When an attached `run --rm` removes the container
 * itself, it holds the container's attached.lock while it lives: the exit command waits for
 * that lock, then starts skiff's cleanup only if the container is still there. So after an
 * attached run a shell and flock(1) run instead of a second skiff, which started Node and then
 * only waited for the container's lock while the first removed it. A detached container, or
 * one whose attached skiff died, has no lock held and is cleaned up at once.
 */
function removingExitCommand(lockPath: string, argv: string[]): string[] {
  if (!existsSync(SH) || !existsSync(FLOCK)) return argv;
  return [SH, '-c', `${FLOCK} -s "$0" true 2>/dev/null; [ -d "\${0%/*}" ] || exit 0; exec "$@"`, lockPath, ...argv];
}

/** The annotation that records resource flags a container asked for and did not get. */
export const RESOURCES_NOT_APPLIED = 'io.skiff.resources.not-applied';

/**
 * A container without a cgroup (rootless) cannot have limits: the ones asked for are dropped
 * with a warning (Podman's on cgroup v1), and recorded in an annotation, so that inspect shows
 * both what applies (HostConfig: none) and what was asked for and not applied.
 */
function withoutResources(spec: ContainerSpec, warn: (line: string) => void): ContainerSpec {
  const r = spec.resources;
  const asked = Object.entries({ memory: r.memory, 'memory-swap': r.memorySwap, cpus: r.cpus, 'cpu-shares': r.cpuShares, 'pids-limit': r.pidsLimit }).filter(([, v]) => v !== undefined && v !== 0);
  if (asked.length === 0) return spec;
  warn(
    existsSync('/sys/fs/cgroup/cgroup.controllers')
      ? 'Resource limits are not applied: rootless containers get no cgroup of their own (skiff does not use a delegated cgroup v2 subtree yet)'
      : 'Resource limits are not supported and ignored on cgroups V1 rootless systems',
  );
  return { ...spec, resources: {}, annotations: { ...spec.annotations, [RESOURCES_NOT_APPLIED]: asked.map(([k, v]) => `${k}=${v}`).join(',') } };
}

/**
 * The network a container gets. Without --network: the bridge as root, and as a rootless user
 * pasta (or slirp4netns), as Podman gives rootless containers a user-mode network. Published
 * ports go with a namespace of the container's own that skiff connects (bridge, pasta,
 * slirp4netns); with none, host or another's namespace they are dropped with Podman's warning.
 * -P publishes every port the image exposes and --expose adds. Host ports not given are chosen
 * now, so that inspect shows them.
 */
async function withNetwork(spec: ContainerSpec, o: { rootlessDefault: boolean; exposed: readonly string[] }, warn: (line: string) => void): Promise<ContainerSpec> {
  let out = spec;
  if (o.rootlessDefault) {
    const { defaultRootlessNetwork } = await import('../network/rootless.ts');
    const kind = defaultRootlessNetwork();
    if (!kind) throw new SkiffError('unsupported', 'could not find pasta or slirp4netns, the network namespace can\'t be configured: install passt (or slirp4netns), or use --network none');
    out = { ...out, network: { mode: kind } };
  }
  let ports = [...(out.ports ?? [])];
  if (out.publishAll) {
    const wanted = [...o.exposed, ...(out.expose ?? [])].map(parseExpose);
    for (const e of wanted) {
      for (let port = e.port; port < e.port + e.range; port++) {
        const covered = ports.some((p) => p.protocol === e.protocol && port >= p.containerPort && port < p.containerPort + p.range);
        if (!covered) ports.push({ hostIP: '', hostPort: 0, containerPort: port, protocol: e.protocol, range: 1 });
      }
    }
  }
  if (ports.length === 0) return out;
  if (out.network.mode !== 'pasta' && out.network.mode !== 'slirp4netns' && out.network.mode !== 'bridge') {
    warn('Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use');
    const { ports: _dropped, ...rest } = out;
    return rest;
  }
  const { assignHostPorts } = await import('../network/host-ports.ts');
  ports = await assignHostPorts(ports);
  return { ...out, ports };
}

const SHARED_KINDS = { network: 'net', ipc: 'ipc', pid: 'pid', uts: 'uts' } as const;

/** The `container:REF` namespaces of a spec: which kind, its /proc name, and the container named. */
function containerRefs(spec: ContainerSpec): { kind: keyof typeof SHARED_KINDS; ns: string; ref: string }[] {
  const out: { kind: keyof typeof SHARED_KINDS; ns: string; ref: string }[] = [];
  for (const [kind, ns] of Object.entries(SHARED_KINDS) as [keyof typeof SHARED_KINDS, string][]) {
    const mode = spec[kind];
    if (mode.mode === 'path' && mode.path.startsWith('container:')) out.push({ kind, ns, ref: mode.path.slice('container:'.length) });
  }
  return out;
}
