#!/usr/bin/env bash
# Installs the Debian packages Tugboat needs. Idempotent; quiet when everything is there.
# Usage: scripts/install-deps.sh [--quiet]
set -euo pipefail

PACKAGES=(
  etcd-server etcd-client            # the control plane's only state
  crun runc conmon                   # OCI runtimes and the per-container monitor
  busybox-static                     # the base of the built-in test images
  attr                               # setfattr/getfattr: overlay opaque-dir xattrs in image layers
  containernetworking-plugins        # bridge, host-local, loopback, portmap
  iptables iproute2 util-linux       # service proxy, netns "hosts", nsenter
  curl ca-certificates openssl       # health checks, certificates
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (apt-get install)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's etcd-server package may start a system etcd on :2379 where an init
# system runs; Tugboat starts its own etcd processes, so leave any such one alone.

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
