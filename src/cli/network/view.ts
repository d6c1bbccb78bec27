/** A network as Podman's templates see it: Go field names (JSON keys are snake_case). */
import type { Network } from '../../network/types.ts';

export function templateView(n: Network): Record<string, unknown> {
  return {
    Name: n.name,
    ID: n.id,
    Driver: n.driver,
    NetworkInterface: n.network_interface ?? '',
    Created: new Date(n.created),
    Subnets: (n.subnets ?? []).map((s) => ({ Subnet: s.subnet, Gateway: s.gateway ?? '', LeaseRange: s.lease_range ? { StartIP: s.lease_range.start_ip ?? '', EndIP: s.lease_range.end_ip ?? '' } : null })),
    IPv6Enabled: n.ipv6_enabled,
    Internal: n.internal,
    DNSEnabled: n.dns_enabled,
    Labels: new Map(Object.entries(n.labels ?? {})),
    Options: new Map(Object.entries(n.options ?? {})),
    IPAMOptions: new Map(Object.entries(n.ipam_options ?? {})),
  };
}
