#!/usr/bin/env bash
# Prepares the host the way a distribution would have, and says what it did:
# - crun refuses "cgroups in hybrid mode" when the unified hierarchy has controllers but the
#   v1 hierarchy for them is missing (only hugetlb here): mount hugetlb as a v1 hierarchy;
# - /dev/net/tun and /dev/fuse are 0666 on a normal distribution (rootless networking and
#   fuse-overlayfs need them).
set -euo pipefail
say() { printf 'host-prep: %s\n' "$*" >&2; }

unified=/sys/fs/cgroup/unified/cgroup.controllers
if [ -f "$unified" ] && [ -n "$(cat "$unified")" ]; then
  for c in $(cat "$unified"); do
    if [ ! -d "/sys/fs/cgroup/$c" ] || ! mountpoint -q "/sys/fs/cgroup/$c"; then
      mkdir -p "/sys/fs/cgroup/$c" 2>/dev/null || mount -o remount,rw /sys/fs/cgroup 2>/dev/null && mkdir -p "/sys/fs/cgroup/$c"
      if mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" 2>/dev/null; then
        say "mounted the $c cgroup v1 hierarchy at /sys/fs/cgroup/$c (crun refuses hybrid cgroups otherwise)"
      else
        say "could not mount the $c cgroup v1 hierarchy; crun may refuse hybrid cgroups"
      fi
    fi
  done
fi

for dev in /dev/net/tun /dev/fuse; do
  if [ -c "$dev" ] && [ "$(stat -c %a "$dev")" != 666 ]; then
    chmod 0666 "$dev"
    say "made $dev mode 0666 (as udev does on a distribution)"
  fi
done
