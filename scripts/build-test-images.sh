#!/usr/bin/env bash
# Builds the built-in test images from this machine alone (Debian's
# busybox-static and test-images/), with no registry and nothing downloaded:
#   OUTDIR/busybox.tar    docker save archive: docker.io/library/busybox:latest and :1.35
#   OUTDIR/webserver.tar  OCI image layout:    docker.io/tugboat/webserver:1 and :2
# Usage: scripts/build-test-images.sh [OUTDIR]     (default: dist/test-images)
# Run after `npm run build` (it calls dist/runtime-shim/images/test-images-main.js).
# Idempotent: does nothing when both archives are newer than every input.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/dist/test-images}
busybox=${BUSYBOX:-/bin/busybox}
main=$repo/dist/runtime-shim/images/test-images-main.js

if [ ! -f "$main" ]; then
  echo "build-test-images: $main is missing; run npm run build first" >&2
  exit 1
fi
if [ ! -x "$busybox" ]; then
  echo "build-test-images: $busybox is missing; install busybox-static (scripts/install-deps.sh)" >&2
  exit 1
fi

inputs=("$repo/test-images" "$busybox" "$repo/dist/runtime-shim/images")
if [ -f "$out/busybox.tar" ] && [ -f "$out/webserver.tar" ]; then
  # busybox.tar is written first, so it is the older of the two.
  if [ -z "$(find "${inputs[@]}" -newer "$out/busybox.tar" -print -quit)" ]; then
    echo "build-test-images: up to date in $out (busybox.tar, webserver.tar)"
    exit 0
  fi
fi

node "$main" --src "$repo/test-images" --out "$out" --busybox "$busybox"
echo "build-test-images: wrote $out/busybox.tar (docker save) and $out/webserver.tar (OCI layout)"
