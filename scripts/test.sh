#!/usr/bin/env bash
# The whole test suite, from a fresh clone: setup (with the test-only oracles: podman, skopeo,
# umoci, a registry), a type check, then unit and integration tests against real components.
#   scripts/test.sh [node --test options or test files]
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_PACKAGES="podman skopeo umoci docker-registry python3 auditd gcc libc6-dev" bash scripts/setup.sh --no-demo
. scripts/node.sh
bash scripts/test-users.sh
echo "test: type check" >&2
"$NODE" node_modules/typescript/bin/tsc -p .
if [ $# -eq 0 ]; then
  set -- 'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts'
fi
exec "$NODE" --test --test-concurrency=1 --test-reporter=spec "$@"
