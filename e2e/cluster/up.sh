#!/usr/bin/env bash
# Starts a throwaway control plane for the e2e tests: etcd + kube-apiserver on 127.0.0.1, a CA and
# certificates, admin and gatehouse (ServiceAccount token) kubeconfigs, and a network namespace whose
# veth addresses (198.18.N.0/24) can back EndpointSlices, which refuse loopback addresses.
#
# usage: up.sh [STATE_DIR]   (default: <repo>/.tmp/cluster)
# Everything it starts is recorded in STATE_DIR so that down.sh STATE_DIR can undo it, even when
# up.sh itself fails half-way (it runs down.sh on any error).
set -euo pipefail
source "$(dirname "$0")/versions.sh"
source "$cluster_dir/proc.sh"
repo_dir=$(cd "$cluster_dir/../.." && pwd)
state=${1:-$repo_dir/.tmp/cluster}
startup_timeout=${GATEHOUSE_CLUSTER_TIMEOUT:-60}

log() { echo "up: $*" >&2; }
die() {
  log "$*"
  exit 1
}

for bin in "$KUBE_APISERVER_BIN" "$ETCD_BIN"; do
  [[ -x $bin ]] || die "missing $bin: run e2e/cluster/build.sh first"
done
for tool in openssl ip ss curl flock; do command -v "$tool" >/dev/null || die "needs '$tool' on PATH"; done
[[ ! -e $state/cluster.env ]] || die "$state already holds a cluster: run down.sh $state first"

mkdir -p "$state"
state=$(cd "$state" && pwd)
# Any failure (or Ctrl-C) after this point undoes whatever was already started.
on_exit() {
  local rc=$?
  ((rc == 0)) || {
    # The state dir goes away with the teardown: show the daemons' last words first.
    for f in "$state"/etcd.log "$state"/apiserver.log; do
      [[ -s $f ]] && { log "--- tail of $f" && tail -n 15 "$f" >&2; }
    done
    log "failed; tearing down"
    "$cluster_dir/down.sh" "$state" >&2 || true
  }
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# record NAME PID: one "PID STARTTIME NAME" line per started process, for down.sh.
record() {
  echo "$2 $(start_time "$2") $1" >>"$state/pids"
}

# wait_for WHAT COMMAND...: polls COMMAND until it succeeds or the startup deadline passes.
wait_for() {
  local what=$1 deadline=$((SECONDS + startup_timeout))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what not ready after ${startup_timeout}s"
    sleep 0.2
  done
}

# free_port: a random port below the ephemeral range that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 12000))
    if [[ -z $(ss -Htan "sport = :$p") ]] && ! grep -qx "$p" "$state/ports" 2>/dev/null; then
      echo "$p" >>"$state/ports"
      echo "$p"
      return
    fi
  done
  die "no free port found"
}

# --- network namespace --------------------------------------------------------------------------
# The subnet index is chosen under a machine-wide lock so concurrent runs never share a /24.
netns=gh-e2e-$$
veth_root=ghv$$r
veth_ns=ghv$$n
exec {netlock}>/run/lock/gatehouse-e2e-net.lock
flock "$netlock"
used=$(ip -o -4 addr show | sed -n 's/.* inet 198\.18\.\([0-9]*\)\..*/\1/p' | sort -u)
subnet=
for _ in $(seq 512); do
  n=$((RANDOM % 256))
  grep -qx "$n" <<<"$used" || {
    subnet=$n
    break
  }
done
[[ -n $subnet ]] || die "no free 198.18.N.0/24 subnet"
root_ip=198.18.$subnet.1
echo "$netns" >"$state/netns"
echo "$veth_root" >"$state/veth"
ip netns add "$netns"
ip link add "$veth_root" type veth peer name "$veth_ns"
ip link set "$veth_ns" netns "$netns"
ip addr add "$root_ip/24" dev "$veth_root"
ip link set "$veth_root" up
ip -n "$netns" link set lo up
# A few backend addresses, so tests can have endpoints that differ by IP, not only by port.
backend_ips=()
for host in 2 3 4 5; do
  ip -n "$netns" addr add "198.18.$subnet.$host/24" dev "$veth_ns"
  backend_ips+=("198.18.$subnet.$host")
done
ip -n "$netns" link set "$veth_ns" up
exec {netlock}>&-

# --- certificates --------------------------------------------------------------------------------
pki=$state/pki
mkdir -p "$pki"
ossl() { openssl "$@" 2>>"$state/openssl.log"; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=gatehouse-e2e-ca \
  -keyout "$pki/ca.key" -out "$pki/ca.crt"
# sign NAME SUBJECT [SAN]: a leaf key and certificate signed by the run's CA.
sign() {
  local name=$1 subj=$2 san=${3:-}
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subj" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr"
  local ext=$pki/$name.ext
  if [[ -n $san ]]; then
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
      "$san" >"$ext"
  else
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' >"$ext"
  fi
  ossl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$ext" -out "$pki/$name.crt"
}
service_cidr=198.19.0.0/16
sign apiserver /CN=kube-apiserver \
  "IP:127.0.0.1,IP:$root_ip,IP:198.19.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=gatehouse-e2e-admin"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key"
ossl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

# --- etcd ----------------------------------------------------------------------------------------
etcd_port=$(free_port)
peer_port=$(free_port)
mkdir -p "$state/etcd"
# setsid: the daemons outlive this script (make cluster-up) and ignore the caller's Ctrl-C.
setsid "$ETCD_BIN" --name gatehouse-e2e --data-dir "$state/etcd" --log-level warn --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "gatehouse-e2e=http://127.0.0.1:$peer_port" \
  >"$state/etcd.log" 2>&1 </dev/null &
record etcd $!
wait_for etcd curl -fsS "http://127.0.0.1:$etcd_port/health"

# --- kube-apiserver ------------------------------------------------------------------------------
api_port=$(free_port)
server=https://127.0.0.1:$api_port
# Audit: every request of the gatehouse ServiceAccount, at Metadata level (verb, resource, name,
# user agent; no bodies), so the e2e suite can compare what the controller calls with its RBAC.
cat >"$state/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: [system:serviceaccount:gatehouse:gatehouse]
  - level: None
EOF
setsid "$KUBE_APISERVER_BIN" --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --secure-port "$api_port" --advertise-address "$root_ip" \
  --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --authorization-mode Node,RBAC \
  --service-cluster-ip-range "$service_cidr" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --audit-policy-file "$state/audit-policy.yaml" --audit-log-path "$state/audit.log" \
  --profiling=false --v=1 \
  >"$state/apiserver.log" 2>&1 </dev/null &
record kube-apiserver $!

admin_curl() {
  curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"
}
wait_for kube-apiserver/readyz admin_curl "$server/readyz"
# /readyz can pass while the authorizer still answers 403 for a moment: wait for a real admin read.
wait_for "admin access" admin_curl "$server/api/v1/namespaces/default"

# --- the gatehouse identity: a real ServiceAccount token, no RBAC granted here --------------------
admin_curl -X POST -H 'Content-Type: application/json' "$server/api/v1/namespaces" \
  -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"gatehouse"}}' >/dev/null
admin_curl -X POST -H 'Content-Type: application/json' "$server/api/v1/namespaces/gatehouse/serviceaccounts" \
  -d '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"gatehouse"}}' >/dev/null
token=$(admin_curl -X POST -H 'Content-Type: application/json' \
  "$server/api/v1/namespaces/gatehouse/serviceaccounts/gatehouse/token" \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":86400}}' |
  sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[[ -n $token ]] || die "TokenRequest returned no token"
# system:masters bypasses RBAC; a discovery read as the ServiceAccount proves the RBAC authorizer
# (and the token) work before any test relies on them.
wait_for "RBAC for the gatehouse token" curl -fsS --cacert "$pki/ca.crt" -H "Authorization: Bearer $token" "$server/apis"

# --- kubeconfigs (self-contained: data embedded, so they load from anywhere) ----------------------
b64() { base64 -w0 "$1"; }
kubeconfig() {
  local user=$1 credentials=$2
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: gatehouse-e2e
    cluster:
      server: $server
      certificate-authority-data: $(b64 "$pki/ca.crt")
users:
  - name: $user
    user:
$credentials
contexts:
  - name: $user@gatehouse-e2e
    context: { cluster: gatehouse-e2e, user: $user }
current-context: $user@gatehouse-e2e
EOF
}
kubeconfig admin "      client-certificate-data: $(b64 "$pki/admin.crt")
      client-key-data: $(b64 "$pki/admin.key")" >"$state/admin.kubeconfig"
kubeconfig gatehouse "      token: $token" >"$state/gatehouse.kubeconfig"
chmod 600 "$state"/*.kubeconfig

# --- what tests and down.sh read ----------------------------------------------------------------
cat >"$state/cluster.env" <<EOF
SERVER=$server
KUBE_VERSION=$KUBE_VERSION
ETCD_VERSION=$ETCD_VERSION
ETCD_ENDPOINT=http://127.0.0.1:$etcd_port
NETNS=$netns
VETH=$veth_root
HOST_IP=$root_ip
BACKEND_IPS=${backend_ips[*]}
SERVICE_CIDR=$service_cidr
ADMIN_KUBECONFIG=$state/admin.kubeconfig
GATEHOUSE_KUBECONFIG=$state/gatehouse.kubeconfig
AUDIT_LOG=$state/audit.log
EOF
log "cluster $KUBE_VERSION at $server (state $state, netns $netns, backends ${backend_ips[*]})"
echo "$state"
