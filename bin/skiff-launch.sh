# Sourced by bin/skiff and by the wrapper scripts/setup.sh installs, with $root (the checkout)
# and $node (a Node >= 24) set: starts the bundled CLI.
#
# A rootless user's commands run in the user namespace kept by their pause process
# (src/rootless/pause.ts). When that process exists, join it here with nsenter, before Node
# starts, so that a command costs one Node start and not two. Everything this cannot tell
# (no pause process yet, a PID that is not one, a killed one not yet reaped: a zombie keeps
# its comm but not its namespaces) is left to skiff itself. `mount` must be
# refused outside `skiff unshare` and `system` has commands that stay outside: those go to
# skiff unjoined.
if [ -z "$_CONTAINERS_USERNS_CONFIGURED" ] && [ ! -O / ]; then
  skiff_join=1
  for skiff_a; do
    case $skiff_a in mount | system) skiff_join= ;; esac
  done
  if [ -n "$skiff_join" ]; then
    # The IDs from /proc/self/status: builtins only, no `id` process.
    while read -r skiff_k skiff_v skiff_rest; do
      case $skiff_k in
        Uid:) skiff_uid=$skiff_v ;;
        Gid:) skiff_gid=$skiff_v && break ;;
      esac
    done </proc/self/status
    skiff_dir=${XDG_RUNTIME_DIR:-/tmp/skiff-run-$skiff_uid}
    if [ -O "$skiff_dir" ] && [ -r "$skiff_dir/skiff/pause.pid" ] && read -r skiff_pid skiff_ns <"$skiff_dir/skiff/pause.pid" &&
      [ -O "/proc/$skiff_pid" ] && read -r skiff_comm 2>/dev/null <"/proc/$skiff_pid/comm" && [ "$skiff_comm" = catatonit ] &&
      [ -e "/proc/$skiff_pid/ns/mnt" ]; then
      export _CONTAINERS_USERNS_CONFIGURED=done _CONTAINERS_ROOTLESS_UID="$skiff_uid" _CONTAINERS_ROOTLESS_GID="$skiff_gid" XDG_RUNTIME_DIR="$skiff_dir"
      exec nsenter --user --mount --preserve-credentials --target "$skiff_pid" --wd="$PWD" -- "$node" --disable-warning=ExperimentalWarning --min-semi-space-size=8 -- "$root/dist/skiff.mjs" "$@"
    fi
  fi
fi
# "--" ends node's own options: node would otherwise take a later --env-file for itself.
# --min-semi-space-size: a young generation big enough that a command like `run` never stops
# for a garbage collection (memory is only taken as it is used). skiff passes the same
# options on to the processes it re-runs itself as (util/self.ts).
exec "$node" --disable-warning=ExperimentalWarning --min-semi-space-size=8 -- "$root/dist/skiff.mjs" "$@"
