#!/usr/bin/env bash
# Unprivileged users for the rootless tests (test/integration/rootless.test.ts), as an
# administrator would make them: skiff-rl1 and skiff-rl2 with 65536 subordinate UIDs and GIDs
# each (ranges above everyone's), skiff-rl0 with none. Idempotent; run as root.
set -euo pipefail
say() { printf 'test-users: %s\n' "$*" >&2; }

# The end of the highest range in /etc/subuid and /etc/subgid (at least 100000).
next_free() {
  cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }'
}

for u in skiff-rl0 skiff-rl1 skiff-rl2; do
  if ! id "$u" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$u"
    chmod 0755 "/home/$u"
    say "created user $u"
  fi
done
for u in skiff-rl1 skiff-rl2; do
  if ! grep -q "^$u:" /etc/subuid 2>/dev/null || ! grep -q "^$u:" /etc/subgid 2>/dev/null; then
    start=$(next_free)
    end=$((start + 65535))
    usermod --add-subuids "$start-$end" --add-subgids "$start-$end" "$u"
    say "gave $u the subordinate IDs $start-$end"
  fi
done
