#!/usr/bin/env bash
# Installs what `make bench` drives: nginx (upstream and reference proxy), wrk (HTTP/1.1 load) and
# h2load (HTTP/2 load, Debian's nghttp2-client), all from Debian's packages. Idempotent: a tool
# already on the PATH costs nothing, and `apt-get update` runs at most once per invocation.
set -euo pipefail

log() { echo "install-bench-tools: $*" >&2; }

# command → Debian package that provides it
declare -A PACKAGES=([nginx]=nginx [wrk]=wrk [h2load]=nghttp2-client)

missing=()
for tool in nginx wrk h2load; do
  if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$tool ]]; then
    missing+=("${PACKAGES[$tool]}")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

SUDO=
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    log "need root (or sudo) to install: ${missing[*]}"
    exit 1
  fi
  SUDO=sudo
fi

log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: nginx's recommends pull in nothing the benchmark uses. policy-rc.d
# keeps the package from starting a system nginx on :80; the benchmark starts its own.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=true
fi
status=0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
if $created_policy; then $SUDO rm -f "$policy"; fi
exit $status
