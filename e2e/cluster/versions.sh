# shellcheck shell=bash disable=SC2034
# Sourced by build.sh and up.sh: the pinned versions (read from the wrapper go.mod files, the single
# source of truth) and where the built binaries live.
cluster_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBE_VERSION=$(sed -n 's/^[[:space:]]*k8s\.io\/kubernetes \(v[^[:space:]]*\).*/\1/p' "$cluster_dir/apiserver/go.mod" | head -n1)
ETCD_VERSION=$(sed -n 's/^[[:space:]]*\(require \)\{0,1\}go\.etcd\.io\/etcd\/server\/v3 \(v[^[:space:]]*\).*/\2/p' "$cluster_dir/etcd/go.mod" | head -n1)
GATEHOUSE_CACHE_DIR=${GATEHOUSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse}
KUBE_APISERVER_BIN=${GATEHOUSE_KUBE_APISERVER:-$GATEHOUSE_CACHE_DIR/kube-apiserver-$KUBE_VERSION/kube-apiserver}
ETCD_BIN=${GATEHOUSE_ETCD:-$GATEHOUSE_CACHE_DIR/etcd-$ETCD_VERSION/etcd}
