# shellcheck shell=bash disable=SC2034
# Shared functions of scripts/lab: names, paths, output, PID files, network-namespace hosts.
# Sourced by scripts/lab; expects $repo to be set.
# shellcheck source=scripts/lib/service.sh
. "${repo:?}/scripts/lib/service.sh"
# shellcheck source=scripts/lib/deps.sh
. "$repo/scripts/lib/deps.sh"

# ---- names the lab owns (nothing else on the machine is touched) -----------------------------------
LAB=${KUBELAB_LAB_DIR:-$repo/.lab}   # all state: config, data, run (PID files, sockets), logs
CFG=$LAB/config                      # scripts/lab-config/generate output (PKI, flags, units, kubeconfigs)
DATA=$LAB/data                       # etcd, registry, kubelet/runtime roots  (kept by --keep-data)
RUN=$LAB/run                         # PID files, runtime sockets and state
LOGS=$LAB/logs                       # <host>/<component>.log, lab/<command>.log
NS_PREFIX=kubelab-                   # network namespaces: kubelab-controlplane01, kubelab-node01, ...
BRIDGE=kubelab0                      # the host bridge (192.168.56.1/24)
BRIDGE_ADDR=192.168.56.1/24
RT_PROTO=176                         # routes the lab adds on the host carry "proto 176"
IPT_COMMENT=kubelab-lab              # iptables rules the lab adds on the host carry this comment
CLUSTER_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
KUBELAB_BIN=${KUBELAB_BIN:-$repo/bin/kubelab}
KUBECTL=${KUBECTL:-kubectl}
HOSTS_FILE=$repo/scripts/lab-config/hosts        # the topology: this one, or hosts-ha (`up --ha`)
HA_HOSTS_FILE=$repo/scripts/lab-config/hosts-ha
TOPOLOGY=$LAB/hosts                  # a copy of the topology the lab was made with (`up` writes it; down, status,
                                     # exec, restart and leftovers read it)

# load_topology FILE: HOSTS (every host), CPS (control planes), NODES (hosts with a kubelet: not the load
# balancer), LB (the load balancer, or empty), HOST_IP, HOST_ROLE, CP (the first control plane: the registry).
load_topology() {
  local h ip role
  HOSTS=() CPS=() NODES=() LB='' HOST_IP=() HOST_ROLE=()
  while read -r h ip role; do
    [[ -z $h || $h == \#* ]] && continue
    HOSTS+=("$h"); HOST_IP[$h]=$ip; HOST_ROLE[$h]=$role
    case $role in
      controlplane) CPS+=("$h"); NODES+=("$h") ;;
      loadbalancer) LB=$h ;;
      *) NODES+=("$h") ;;
    esac
  done <"$1"
  CP=${CPS[0]:-controlplane01}
  CP_IP=${HOST_IP[$CP]:-192.168.56.11}
  # Where clients reach the API: the load balancer when there is one.
  if [[ -n $LB ]]; then API_ADDR=${HOST_IP[$LB]}; else API_ADDR=$CP_IP; fi
}
declare -A HOST_IP HOST_ROLE
if [[ -s $TOPOLOGY ]]; then load_topology "$TOPOLOGY"; else load_topology "$HOSTS_FILE"; fi

# Every host name of every topology: what `down`, the clearing at the start of `up` and `leftovers` look for,
# whatever topology made the lab (or when the record of it is gone).
KNOWN_HOSTS=()
while read -r _h _; do
  [[ -z $_h || $_h == \#* || " ${KNOWN_HOSTS[*]} " == *" $_h "* ]] || KNOWN_HOSTS+=("$_h")
done < <(cat "$HOSTS_FILE" "$HA_HOSTS_FILE")
unset _h

ns_of() { echo "$NS_PREFIX$1"; }
# The host side of a host's veth (IFNAMSIZ is 15): kl-cp01, kl-cp02, kl-node01, kl-loadbalancer, ...
veth_of() { local s=${1/controlplane/cp}; echo "kl-${s:0:12}"; }

# ---- output -----------------------------------------------------------------------------------------
CURRENT_STEP=''
say() { printf '    %s\n' "$*"; }
warn() { printf '    ! %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
secs() { local d=$(( $(now_ms) - $1 )); printf '%d.%01ds' $((d / 1000)) $(((d % 1000) / 100)); }

# fail MESSAGE [COMMAND] [LOG]: stop, naming the step, what it ran and where its log is.
fail() {
  local msg=$1 cmd=${2:-} log=${3:-}
  {
    printf '\n✗ step "%s" failed: %s\n' "${CURRENT_STEP:-?}" "$msg"
    [[ -n $cmd ]] && printf '  command: %s\n' "$cmd"
    [[ -n $log ]] && service_log_tail "$log" 15
  } >&2
  exit 1
}

# run LOG COMMAND...: run a command, its output appended to LOG; on failure, fail naming it.
run() {
  local log=$1; shift
  mkdir -p "$(dirname "$log")"
  printf '+ %s\n' "$*" >>"$log"
  "$@" >>"$log" 2>&1 9<&- || fail "exit status $?" "$*" "$log"
}

STEP_TIMES=()
# step NAME FUNCTION [ARGS...]: print progress and elapsed time.
step() {
  local name=$1 t0; shift
  CURRENT_STEP=$name
  t0=$(now_ms)
  printf '==> %s\n' "$name"
  "$@"
  local took; took=$(secs "$t0")
  printf '    done: %s (%s)\n' "$name" "$took"
  STEP_TIMES+=("$name|$took")
}

# ---- PID files (processes are only ever signalled by the PID the lab recorded) ---------------------
pidfile_of() { echo "$RUN/$1-$2.pid"; }   # HOST COMPONENT
# The host's local-path provisioner folder (its /opt/local-path-provisioner; the hosts share one filesystem).
local_path_dir() { echo "$DATA/hosts/$1/opt/local-path-provisioner"; }

# lab_pid PIDFILE: print the PID if that process is alive and is one of the lab's (its command line
# names the lab directory); otherwise fail (and a stale PID file is removed).
lab_pid() {
  local f=$1 pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$LAB"; then
    echo "$pid"; return 0
  fi
  rm -f "$f"
  return 1
}

# pid_alive PIDFILE: like lab_pid, without printing or removing anything.
pid_alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$LAB"
}

# stop_pidfile PIDFILE [NAME]: SIGTERM, then SIGKILL after 10 s; only the recorded, verified PID.
stop_pidfile() {
  local f=$1 name=${2:-$(basename "$1" .pid)} pid i
  if pid=$(lab_pid "$f"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do service_alive "$pid" || break; sleep 0.05; done
    if service_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# unit_argv UNIT_FILE: the unit's ExecStart= command line, one word per line, with $VARS expanded from
# its EnvironmentFile= as systemd does for unbraced $VAR (split on whitespace). The lab runs exactly this.
unit_argv() {
  local unit=$1 envf exec w v
  envf=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
  exec=$(sed -n 's/^ExecStart=//p' "$unit")
  (
    KUBELAB_ARGS=''
    # shellcheck disable=SC1090
    [[ -n $envf ]] && . "$envf"
    for w in $exec; do
      # shellcheck disable=SC2086 # split on whitespace, as systemd does
      if [[ $w == \$* ]]; then v=${w#\$}; printf '%s\n' ${!v}; else printf '%s\n' "$w"; fi
    done
  )
}

# start_daemon HOST COMPONENT UNIT_FILE SECONDS CHECK...: run the unit's command in HOST's network namespace
# (nsenter --net: only the network namespace changes, /sys and cgroups stay the host's) with
# scripts/lib/service.sh, which records its PID and waits until CHECK succeeds (its health endpoint, its
# socket), at most SECONDS; on failure it prints the daemon's log and the step fails. A daemon already
# running (its PID file names a live process of this lab) is kept.
start_daemon() {
  local host=$1 comp=$2 unit=$3 seconds=$4 pidf log pid argv=()
  shift 4
  pidf=$(pidfile_of "$host" "$comp")
  log=$LOGS/$host/$comp.log
  rm -f "$RUN/$host-$comp.stopped"   # (scripts/lab stop's mark)
  if pid=$(lab_pid "$pidf"); then say "$comp on $host already running (pid $pid)"; return 0; fi
  mapfile -t argv < <(unit_argv "$unit")
  ((${#argv[@]})) || fail "no ExecStart= in $unit" "" ""
  local into=(nsenter --net="/run/netns/$(ns_of "$host")" --)
  # HOST_VIEW=1: the daemon sees the host's own /etc/kubernetes, /opt, /var/lib (etcd: a --data-dir there).
  if ((${HOST_VIEW:-0})); then host_view_cmd "$host" || fail "no view of $host's files"; into=("${HOST_VIEW_CMD[@]}"); fi
  # An HA lab (a load balancer in the topology): each daemon also gets its host's name as hostname (a UTS
  # namespace of its own), as on a VM: leader-election identities (<hostname>_<uuid>) then name the host.
  # shellcheck disable=SC2016 # expanded by the inner bash
  [[ -n $LB ]] && into+=(unshare --uts -- bash -c 'echo "$0" >/proc/sys/kernel/hostname && exec "$@"' "$host")
  service_start "$comp on $host" "$pidf" "$log" "$seconds" "$@" \
    -- "${into[@]}" "${argv[@]}" || fail "$comp on $host did not start (above: why, and its log)"
  say "$comp on $host ready (pid $(<"$pidf"), log $log)"
}

# wait_until SECONDS WHAT PIDFILE LOG COMMAND...: poll COMMAND (0.25 s) while the daemon (its recorded PID) lives.
wait_until() {
  local limit=$1 what=$2 pidf=$3 log=$4 deadline pid; shift 4
  pid=$(cat "$pidf" 2>/dev/null || true)
  deadline=$(($(now_ms) + limit * 1000))
  while (($(now_ms) < deadline)); do
    if "$@" >/dev/null 2>&1 9<&-; then return 0; fi
    if [[ -n $pid ]] && ! service_alive "$pid"; then fail "the process exited while waiting for $what" "$*" "$log"; fi
    sleep 0.25
  done
  fail "timed out after ${limit}s waiting for $what" "$*" "$log"
}

in_host() { local h=$1; shift; nsenter --net="/run/netns/$(ns_of "$h")" -- "$@"; }

# ---- a host's own files (the hosts share this machine's filesystem) --------------------------------
# Each host's /etc/kubernetes, /opt and /var/lib are folders of the lab: $DATA/hosts/<host>/{etc/kubernetes,
# opt,var/lib}. `exec` (and etcd) see them at those paths through a private mount namespace (bind mounts that
# vanish with the command; nothing is mounted on the machine itself), so a student's paths work as on a VM:
# /etc/kubernetes/pki/etcd/ca.crt (on controlplane01 a link to the lab's PKI, as install.sh links it on a
# VM), /opt/snapshot.db, /var/lib/etcd-from-backup, /etc/kubernetes/manifests. The only thing made on the
# machine is the empty mount point /etc/kubernetes (when missing); /opt and /var/lib exist.
VIEW_DIRS=(etc/kubernetes opt var/lib)
host_root() { echo "$DATA/hosts/$1"; }

# host_view_ready HOST: make HOST's folders (and the mount point); fail when the lab's directory or this
# checkout lies under a viewed path (the view would hide it).
host_view_ready() {
  local h=$1 r d p
  r=$(host_root "$h")
  for d in "${VIEW_DIRS[@]}"; do
    for p in "$LAB" "$repo"; do
      [[ $p/ == "/$d/"* ]] && { echo "lab: $p is under /$d, which a host's view replaces; use another KUBELAB_LAB_DIR or checkout" >&2; return 1; }
    done
    mkdir -p "$r/$d"
  done
  [[ ${HOST_ROLE[$h]:-} == controlplane && ! -e $r/etc/kubernetes/pki ]] && ln -s "$CFG/pki" "$r/etc/kubernetes/pki"
  mkdir -p /etc/kubernetes
}

# host_view_cmd HOST: sets HOST_VIEW_CMD to the command prefix that runs a command in HOST's network
# namespace with HOST's own /etc/kubernetes, /opt and /var/lib (above). Every step execs: the PID started
# is the command's own (PID files). HOST_VIEW_CMD is a command, not a function, so setsid can run it.
HOST_VIEW_CMD=()
host_view_cmd() {
  local h=$1
  host_view_ready "$h" || return 1
  # shellcheck disable=SC2016 # expanded by the inner bash
  HOST_VIEW_CMD=(nsenter --net="/run/netns/$(ns_of "$h")" -- unshare --mount --propagation private -- bash -c '
    r=$0
    for d in etc/kubernetes opt var/lib; do
      mount --bind "$r/$d" "/$d" || { echo "lab: cannot bind $r/$d on /$d" >&2; exit 125; }
    done
    exec "$@"' "$(host_root "$h")")
}

# has_subcommand NAME: does this build of kubelab have `kubelab NAME`?
declare -A _HAS_SUB
has_subcommand() {
  if [[ -z ${_HAS_SUB[$1]:-} ]]; then
    if "$KUBELAB_BIN" "$1" --help >/dev/null 2>&1; then _HAS_SUB[$1]=yes; else _HAS_SUB[$1]=no; fi
  fi
  [[ ${_HAS_SUB[$1]} == yes ]]
}

# lock: one `up` or `down` at a time (an flock on this script's own file: no file to clean up; the
# daemons are started with the descriptor closed, so a killed run releases it).
lock() {
  exec 9<"$repo/scripts/lab"
  flock -n 9 || { echo "lab: another scripts/lab up/down is running" >&2; exit 1; }
}

kc() { "$KUBECTL" --kubeconfig "$LAB/kubeconfig" "$@"; }
