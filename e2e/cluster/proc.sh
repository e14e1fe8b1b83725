# shellcheck shell=bash
# Sourced helpers: a process is identified by PID *and* start time (field 22 of /proc/PID/stat), so
# that teardown never signals a recycled PID that now belongs to someone else.

# start_time PID: the process's start time, empty once it is gone or a zombie.
start_time() {
  local rest f
  rest=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
  read -r -a f <<<"$rest"
  [[ ${f[0]} == Z ]] || echo "${f[19]}"
}

# alive PID START: true while PID is still the process that was recorded.
alive() {
  [[ -n $2 && $(start_time "$1") == "$2" ]]
}
