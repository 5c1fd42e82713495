#!/usr/bin/env bash
# Quick start, first command: installs what is needed, builds, and brings up a
# local 3-node cluster with the demo app. Idempotent: running it again keeps
# what runs. Extra arguments go to `up` (e.g. --nodes 2, --name dev).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
bash scripts/build-test-images.sh >/dev/null
# `tug` on the PATH (a link to this checkout's bin/tug).
ln -sf "$PWD/bin/tug" /usr/local/bin/tug
tug up "$@"
