#!/usr/bin/env bash
# Installs everything the tests need (Debian packages, npm packages), builds,
# lints and runs the whole test suite. Idempotent. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
npm ci --no-audit --no-fund --loglevel=error
npm run build
bash scripts/build-test-images.sh
npm run typecheck
npm run lint
npx vitest run
