#!/usr/bin/env bash
# Undoes up.sh from its state directory alone: stops every process recorded there (and any process
# left inside the run's own network namespace), deletes the namespace and veth, removes the directory.
# Safe to run twice and after a half-finished up.sh.
#
# usage: down.sh [STATE_DIR]   (default: <repo>/.tmp/cluster)
set -uo pipefail
cluster_dir=$(cd "$(dirname "$0")" && pwd)
source "$cluster_dir/proc.sh"
state=${1:-$cluster_dir/../../.tmp/cluster}
stop_timeout=${GATEHOUSE_STOP_TIMEOUT:-10}

log() { echo "down: $*" >&2; }

[[ -d $state ]] || {
  log "no state directory $state: nothing to do"
  exit 0
}
state=$(cd "$state" && pwd)
# Refuse anything that does not look like a state dir, since it is deleted at the end.
if [[ ! -e $state/pids && ! -e $state/netns && ! -e $state/ports && ! -e $state/owner ]]; then
  [[ -z $(ls -A "$state") ]] || {
    log "$state is not a cluster state directory; leaving it alone"
    exit 1
  }
fi

# Newest first: backends, then the apiserver, then etcd (the apiserver must not outlive its store).
entries=()
[[ -f $state/pids ]] && mapfile -t entries < <(tac "$state/pids")
netns=$(cat "$state/netns" 2>/dev/null || true)
# Processes inside our private netns were started by this run, whether recorded or not.
if [[ -n $netns ]] && ip netns list | grep -qw "$netns"; then
  for pid in $(ip netns pids "$netns" 2>/dev/null); do
    start=$(start_time "$pid")
    [[ -z $start ]] || entries=("$pid $start netns-process" "${entries[@]}")
  done
fi

# One at a time, in that order: an apiserver whose etcd is already gone hangs in its shutdown.
for entry in "${entries[@]}"; do
  read -r pid start name <<<"$entry"
  alive "$pid" "$start" || continue
  log "stopping $name ($pid)"
  kill -TERM "$pid" 2>/dev/null
  deadline=$((SECONDS + stop_timeout))
  while alive "$pid" "$start" && ((SECONDS < deadline)); do sleep 0.1; done
  if alive "$pid" "$start"; then
    log "$name ($pid) ignored SIGTERM for ${stop_timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
done

status=0
veth=$(cat "$state/veth" 2>/dev/null || true)
if [[ -n $veth ]] && ip link show "$veth" >/dev/null 2>&1; then
  ip link del "$veth" || status=1
fi
if [[ -n $netns ]] && ip netns list | grep -qw "$netns"; then
  ip netns del "$netns" || status=1
fi

if ((status == 0)); then
  rm -rf "$state"
  log "removed $state"
else
  log "could not remove the network namespace $netns; keeping $state for another try"
fi
exit "$status"
