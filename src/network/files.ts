/**
 * What a rootless network helper means for the files a container gets (its /etc/resolv.conf
 * and its address in /etc/hosts) and for its namespaces. Kept apart from the helpers
 * themselves so that writing a container's files loads no networking code.
 */
import type { ContainerSpec } from '../runtime/spec/types.ts';

export type RootlessNetwork = 'pasta' | 'slirp4netns';

/**
 * Whether skiff makes the container's network namespace itself, before the runtime creates
 * the container (src/network/netns.ts), for the bridge and the helpers' networks, unless the
 * container has a user namespace of its own, which must own its network namespace too (the
 * runtime sets the namespace's sysctls from inside it): then the runtime makes it, and its
 * setup follows the create.
 */
export function pinsNetns(spec: ContainerSpec): boolean {
  return (spec.network.mode === 'bridge' || spec.network.mode === 'pasta' || spec.network.mode === 'slirp4netns') && spec.userns === undefined;
}

/** The nameserver the container asks: pasta's DNS forwarder, slirp4netns's built-in one. */
export const NAMESERVER: Record<RootlessNetwork, string> = { pasta: '169.254.1.1', slirp4netns: '10.0.2.3' };
/** The container's own address, where the helper gives it a fixed one (slirp4netns). */
export const SLIRP_ADDRESS = '10.0.2.100';
