#!/usr/bin/env bash
# Writes to stdout a reproducible rootfs tarball for the default image: Debian's static
# busybox, a symlink per applet, and the few files a container expects. Owners are 0:0 and
# mtimes fixed, so the same busybox gives the same layer on every machine.
set -euo pipefail
bb=$(readlink -f /bin/busybox)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,etc,root,tmp,var/tmp,proc,sys,dev,run,home}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
chmod 700 "$dir/root"
# mktemp made the top 0700: a real image's / is 0755, which users other than root need.
chmod 755 "$dir"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf - .
