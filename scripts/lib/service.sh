# shellcheck shell=bash
# The one way the scripts start a daemon (etcd, the registry, containerd, dockerd, the kubelab components):
#
#   service_start NAME PIDFILE LOG SECONDS CHECK... -- COMMAND...
#
# runs COMMAND in the background, in a session of its own (setsid: a Ctrl-C on the script does not reach
# it), output appended to LOG, standard input closed, descriptor 9 (scripts/lab's lock) closed. The
# background job execs setsid, which execs COMMAND (setsid only forks when it is a process-group leader,
# and a background job of a non-interactive shell is not one; nsenter --net execs too): so $! IS the
# daemon, and is written to PIDFILE at once. Then CHECK (a command; it may not contain a bare `--`) is run
# every 0.2 s until it succeeds (ready: a port open, a health endpoint, a socket that answers), as long
# as that PID lives and for at most SECONDS; the checks and the pauses run with descriptor 9 closed too
# (a killed scripts/lab must not leave its lock held by a check). When the daemon exits first or the
# deadline passes, the daemon is killed (that PID), PIDFILE removed, and the reason, the command and the
# last lines of LOG are printed on stderr; the status is then 1. Nothing here reads a command line or
# sleeps blindly.
#
# Also: service_alive PID (running, not a zombie), tcp_open HOST PORT (a readiness CHECK).
# The TypeScript twin for tests is test/support/service.ts.

service_alive() { [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# tcp_open HOST PORT: something accepts connections there.
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# service_log_tail LOG [LINES]: where the log is and its last lines, indented (what a failure shows).
service_log_tail() {
  printf '  log:     %s\n' "$1"
  if [[ -s $1 ]]; then printf '  last lines of the log:\n'; tail -n "${2:-25}" "$1" | sed 's/^/    | /'
  else printf '  (the log is empty)\n'; fi
}

SERVICE_PID=''
service_start() {
  local name=$1 pidfile=$2 log=$3 seconds=$4 check=() pid deadline why='' st=0
  shift 4
  while (($#)) && [[ $1 != -- ]]; do check+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  ((${#check[@]} && $#)) || { echo "service_start: usage: NAME PIDFILE LOG SECONDS CHECK... -- COMMAND..." >&2; return 2; }
  mkdir -p "$(dirname "$log")" "$(dirname "$pidfile")"
  printf -- '---- %s: %s\n' "$(date -Is)" "$*" >>"$log"
  setsid "$@" >>"$log" 2>&1 </dev/null 9<&- &
  pid=$!
  echo "$pid" >"$pidfile"
  # shellcheck disable=SC2034 # read by the caller
  SERVICE_PID=$pid
  deadline=$(($(date +%s%3N) + seconds * 1000))
  while :; do
    if "${check[@]}" >/dev/null 2>&1 9<&-; then return 0; fi
    if ! service_alive "$pid"; then
      wait "$pid" 2>/dev/null || st=$?
      why="$name exited (status $st) before it was ready"
      break
    fi
    if (($(date +%s%3N) >= deadline)); then why="$name was not ready within ${seconds}s (check: ${check[*]})"; break; fi
    sleep 0.2 9<&-
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  {
    printf '%s\n' "$why"
    printf '  command: %s\n' "$*"
    service_log_tail "$log"
  } >&2
  return 1
}
