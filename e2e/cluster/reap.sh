#!/usr/bin/env bash
# Tears down e2e clusters whose owning test process died without cleaning up (SIGKILL, OOM, a CI
# timeout). Only state dirs with an `owner` file ("PID STARTTIME", written by e2e/lib/cluster.ts) whose
# owner is gone are touched: live runs and `make cluster-up`'s long-lived cluster are left alone.
#
# usage: reap.sh [STATE_DIR...]   (default: <repo>/.tmp/e2e-cluster-*)
set -uo pipefail
cluster_dir=$(cd "$(dirname "$0")" && pwd)
source "$cluster_dir/proc.sh"

(($# > 0)) || set -- "$cluster_dir"/../../.tmp/e2e-cluster-*
for state in "$@"; do
  [[ -f $state/owner ]] || continue
  read -r pid start <"$state/owner" || continue
  alive "$pid" "$start" && continue
  echo "reap: owner $pid of $state is gone" >&2
  "$cluster_dir/down.sh" "$state"
done
exit 0
