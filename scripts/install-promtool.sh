#!/usr/bin/env bash
# Installs promtool, Prometheus's own linter of the metrics exposition, for test/metrics/. From
# Debian's `prometheus` package (apt-get download + dpkg-deb -x: seconds, nothing installed
# system-wide), else `go install` from the Go module proxy (minutes). It lands in a versioned
# folder under $GATEHOUSE_TOOLS_DIR (default ~/.cache/gatehouse/tools) with a stamp written last,
# so an interrupted install is redone and a finished one costs nothing the next time.
#
# Prints PROMTOOL=PATH on stdout (logs go to stderr).
set -euo pipefail

DEBIAN_VERSION=2.42.0+ds-5+deb12u1
# Prometheus 3.x as a Go module version, for machines without apt.
GO_MODULE_VERSION=v0.305.0

TOOLS_DIR=${GATEHOUSE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/tools}
mkdir -p "$TOOLS_DIR"

log() { echo "install-promtool: $*" >&2; }

from_debian() {
  local staging=$1 work
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
  work=$(mktemp -d)
  chmod 755 "$work"
  # An empty or stale package list finds nothing: refresh it once, when allowed to.
  if ! (cd "$work" && apt-get download -qq "prometheus=$DEBIAN_VERSION" >&2); then
    [[ $(id -u) == 0 ]] || return 1
    apt-get update -qq >&2
    (cd "$work" && apt-get download -qq "prometheus=$DEBIAN_VERSION" >&2) || return 1
  fi
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  cp "$work/root/usr/bin/promtool" "$staging/promtool"
  rm -rf "$work"
}

from_go() {
  local staging=$1
  command -v go >/dev/null || return 1
  GOBIN=$staging GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@$GO_MODULE_VERSION" >&2
}

install_into() {
  local dir=$1
  if [[ -f $dir/.stamp ]]; then return; fi
  exec {lock}>"$dir.lock"
  flock "$lock"
  if [[ ! -f $dir/.stamp ]]; then
    local staging
    staging=$(mktemp -d "$TOOLS_DIR/.staging-promtool.XXXXXX")
    trap 'rm -rf "$staging"' EXIT
    log "installing promtool into $dir"
    if ! from_debian "$staging"; then
      log "Debian package unavailable; building promtool $GO_MODULE_VERSION with go install"
      from_go "$staging" || {
        log "neither apt-get nor go could provide promtool"
        exit 1
      }
    fi
    "$staging/promtool" --version >&2
    rm -rf "$dir"
    mv "$staging" "$dir"
    trap - EXIT
    date -u +%FT%TZ >"$dir/.stamp"
  fi
  flock -u "$lock"
  exec {lock}>&-
}

DIR="$TOOLS_DIR/prometheus-${DEBIAN_VERSION%%+*}"
install_into "$DIR"
echo "PROMTOOL=$DIR/promtool"
