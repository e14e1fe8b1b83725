#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into the gatehouse cache, once per version.
# A binary is rebuilt only when its wrapper go.mod/go.sum (or build flags) change: a stamp file
# beside it records their hash. A flock per binary makes concurrent runs wait instead of building twice.
set -euo pipefail
source "$(dirname "$0")/versions.sh"

[[ -n $KUBE_VERSION && -n $ETCD_VERSION ]] || { echo "build: cannot read versions from go.mod files" >&2; exit 1; }

# Same -X flags as kubernetes' hack/lib/version.sh, so /version reports the real release. buildDate is
# the release's own time from the module proxy (not "now"), so the flags, and the stamp, stay stable.
kube_ldflags() {
  local v=${KUBE_VERSION#v} major minor info release_time
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  info=$(cd "$cluster_dir/apiserver" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p')
  release_time=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")
  local -A vars=(
    [gitVersion]=$KUBE_VERSION [gitMajor]=$major [gitMinor]=$minor
    # The proxy serves no commit hash: "" (or KUBE_GIT_COMMIT) rather than the unexpanded "$Format:%H$",
    # and "archive", hack/lib's tree state for source that is not a git checkout.
    [gitCommit]=${KUBE_GIT_COMMIT:-} [gitTreeState]=archive [buildDate]=$release_time
  )
  local flags='-s -w' k
  for k in gitVersion gitMajor gitMinor gitCommit gitTreeState buildDate; do
    flags+=" -X k8s.io/component-base/version.$k=${vars[$k]} -X k8s.io/client-go/pkg/version.$k=${vars[$k]}"
  done
  echo "$flags"
}

# build NAME MODULE_DIR PACKAGE OUTPUT LDFLAGS
build() {
  local name=$1 moddir=$2 pkg=$3 out=$4 ldflags=$5
  local stamp_file=$out.stamp stamp
  stamp=$(cat "$moddir/go.mod" "$moddir/go.sum" <(echo "$pkg $ldflags") | sha256sum | cut -d' ' -f1)
  mkdir -p "$(dirname "$out")"
  exec {lock}>"$out.lock"
  flock "$lock"
  if [[ -x $out && -f $stamp_file && $(cat "$stamp_file") == "$stamp" ]]; then
    echo "build: $name up to date: $out"
  else
    echo "build: building $name -> $out"
    local start=$SECONDS
    (cd "$moddir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
    mv -f "$out.tmp" "$out"
    echo "$stamp" >"$stamp_file"
    echo "build: $name built in $((SECONDS - start))s"
  fi
  exec {lock}>&-
}

build "etcd $ETCD_VERSION" "$cluster_dir/etcd" . "$ETCD_BIN" '-s -w'
build "kube-apiserver $KUBE_VERSION" "$cluster_dir/apiserver" k8s.io/kubernetes/cmd/kube-apiserver \
  "$KUBE_APISERVER_BIN" "$(kube_ldflags)"
