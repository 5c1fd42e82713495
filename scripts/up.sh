#!/usr/bin/env bash
# Quick start, first command: installs what is needed, builds, and brings up a
# local cluster with the demo app. Idempotent: running it again keeps what runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
node dist/cli/up/main.js "$@" up
