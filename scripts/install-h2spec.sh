#!/usr/bin/env bash
# Installs the HTTP/2 conformance judges: h2spec, built from the Go module proxy in the wrapper
# module test/h2spec (h2spec is served only as v2.2.1+incompatible, without a go.mod, so the wrapper
# pins its dependencies), and nginx from Debian as the reference server it is compared with.
# h2spec lands in $GATEHOUSE_TOOLS_DIR/h2spec-<version>/ (default ~/.cache/gatehouse/tools) and is
# rebuilt only when the wrapper's go.mod/go.sum/main.go change (a stamp records their hash).
#
# Prints H2SPEC=PATH and NGINX=PATH on stdout (logs go to stderr); test/h2spec/tools.ts reads them.
set -euo pipefail

H2SPEC_VERSION=v2.2.1
root=$(cd "$(dirname "$0")/.." && pwd)
module=$root/test/h2spec
TOOLS_DIR=${GATEHOUSE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/tools}
dir=$TOOLS_DIR/h2spec-$H2SPEC_VERSION
bin=$dir/h2spec

log() { echo "install-h2spec: $*" >&2; }

mkdir -p "$dir"
stamp=$(cat "$module/go.mod" "$module/go.sum" "$module/main.go" | sha256sum | cut -d' ' -f1)
exec {lock}>"$dir.lock"
flock "$lock"
if [[ -x $bin && -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" ]]; then
  log "h2spec $H2SPEC_VERSION up to date: $bin"
else
  log "building h2spec $H2SPEC_VERSION -> $bin"
  start=$SECONDS
  (cd "$module" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o "$bin.tmp" .)
  mv -f "$bin.tmp" "$bin"
  echo "$stamp" >"$dir/.stamp"
  log "built h2spec in $((SECONDS - start))s"
fi
flock -u "$lock"
exec {lock}>&-

# nginx with the http_v2 module: Debian's nginx-light has it (and so do nginx and nginx-core).
nginx=$(command -v nginx || true)
[[ -z $nginx && -x /usr/sbin/nginx ]] && nginx=/usr/sbin/nginx
if [[ -z $nginx ]]; then
  log "installing nginx-light from Debian"
  if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends nginx-light >&2
  nginx=/usr/sbin/nginx
fi
if ! "$nginx" -V 2>&1 | grep -q -- '--with-http_v2_module'; then
  log "$nginx lacks --with-http_v2_module"
  exit 1
fi

echo "H2SPEC=$bin"
echo "NGINX=$nginx"
