#!/usr/bin/env bash
# Installs redis-server from Debian's packages for the global rate-limit tests (a real shared store,
# test/integration/global-rate-limit.test.ts). Idempotent: nothing happens when it is on the PATH.
# policy-rc.d keeps the package from starting a system Redis; the tests start their own on 127.0.0.1.
set -euo pipefail

log() { echo "install-redis: $*" >&2; }

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    log "need root (or sudo) to install redis-server"
    exit 1
  fi
  SUDO=sudo
fi
log "installing redis-server"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=true
fi
status=0
$SUDO apt-get install -y -qq --no-install-recommends redis-server >&2 || status=$?
if $created_policy; then $SUDO rm -f "$policy"; fi
exit $status
