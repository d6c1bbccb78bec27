/**
 * A network in Podman's own file format (the JSON netavark reads as `network_info`), and
 * what a container asks of each network it joins.
 */

export interface LeaseRange {
  readonly start_ip?: string;
  readonly end_ip?: string;
}

export interface NetworkSubnet {
  readonly subnet: string;
  readonly gateway?: string;
  readonly lease_range?: LeaseRange;
}

/** A network definition, key for key as Podman writes it (key order included). */
export interface Network {
  readonly name: string;
  readonly id: string;
  readonly driver: string;
  readonly network_interface?: string;
  readonly created: string;
  readonly subnets?: readonly NetworkSubnet[];
  readonly ipv6_enabled: boolean;
  readonly internal: boolean;
  readonly dns_enabled: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
  readonly ipam_options?: Readonly<Record<string, string>>;
}

/** What a container asks of one network (Podman's PerNetworkOptions, as given by the user). */
export interface NetworkAttachment {
  readonly network: string;
  readonly aliases: readonly string[];
  readonly staticIPs: readonly string[];
  readonly staticMac?: string;
  /** eth0, eth1, … in the order the networks were joined. */
  readonly interfaceName: string;
}

/** One interface netavark configured, from its status output. */
export interface InterfaceStatus {
  readonly mac_address: string;
  readonly subnets?: readonly { readonly ipnet: string; readonly gateway?: string }[];
}

/** netavark's answer for one network (its StatusBlock). */
export interface NetworkStatus {
  readonly dns_search_domains?: readonly string[];
  readonly dns_server_ips?: readonly string[];
  readonly interfaces?: Readonly<Record<string, InterfaceStatus>>;
}
