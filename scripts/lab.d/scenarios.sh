# shellcheck shell=bash
# Practice scenarios (CKA troubleshooting): `scripts/lab scenarios|break|check|hint|solution`. Sourced by
# scripts/lab (after lib.sh, net.sh and the lab's start/stop functions).
#
# One file per scenario, scripts/lab.d/scenarios/<name>.sh, defining five functions:
#   describe   one line: what the learner observes and is asked to fix (never the cause)
#   do_break   break the running lab; idempotent (breaking twice leaves the same state)
#   do_check   call the want_* checks below: each adds what is still wrong to WRONG
#   hint       where to look, without the answer
#   solution   the commands that fix it, one per line, runnable as printed (from the checkout's root; the
#              e2e test runs exactly these)
SCENARIOS_DIR=${repo:?}/scripts/lab.d/scenarios
WRONG=()

scenario_names() {
  local f
  for f in "$SCENARIOS_DIR"/*.sh; do [[ -e $f ]] && basename "$f" .sh; done
}

# scenario_load NAME: source NAME's file into this shell; exit 2 on an unknown name.
scenario_load() {
  local name=$1
  if [[ ! $name =~ ^[a-z0-9][a-z0-9-]*$ || ! -f $SCENARIOS_DIR/$name.sh ]]; then
    echo "lab: unknown scenario '$name' (scripts/lab scenarios lists them)" >&2; exit 2
  fi
  unset -f describe do_break do_check hint solution
  # shellcheck source=/dev/null
  . "$SCENARIOS_DIR/$name.sh"
}

cmd_scenarios() {
  (($# == 0)) || { echo "usage: scripts/lab scenarios" >&2; exit 2; }
  local n
  echo "Practice scenarios (CKA troubleshooting). On a lab that is up:"
  for n in $(scenario_names); do
    printf '  %-22s %s\n' "$n" "$(scenario_load "$n"; describe)"
  done
  cat <<'USAGE'

  scripts/lab break NAME      break the lab; it prints what you will observe
  scripts/lab check NAME      exit 0 and "fixed" when the cluster works again; else exit 1 and what is wrong
  scripts/lab hint NAME       where to look
  scripts/lab solution NAME   the commands that fix it
USAGE
}

lab_is_up() { [[ -s $LAB/kubeconfig && -s $RUN/runtime ]] && net_check; }

# cmd_scenario break|check|hint|solution NAME
cmd_scenario() {
  local cmd=$1 name=${2:-}
  [[ -n $name && $# -eq 2 ]] || { echo "usage: scripts/lab $cmd <scenario>   (scripts/lab scenarios lists them)" >&2; exit 2; }
  scenario_load "$name"
  [[ -s $RUN/runtime ]] && RUNTIME=$(<"$RUN/runtime")
  case $cmd in
    hint) hint; return ;;
    solution) solution; return ;;
  esac
  need_root
  lab_is_up || { echo "lab $cmd: no lab is up in $LAB: run scripts/lab up first" >&2; exit 1; }
  if [[ $cmd == break ]]; then
    lock
    mkdir -p "$LOGS/lab"
    printf -- '---- %s: break %s\n' "$(date -Is)" "$name" >>"$LOGS/lab/break.log"
    do_break >>"$LOGS/lab/break.log" 2>&1 9<&- || { echo "lab break: $name could not break the lab (see $LOGS/lab/break.log)" >&2; exit 1; }
    echo "$name: broken. $(describe)"
    echo "When you think it is fixed: scripts/lab check $name   (stuck? scripts/lab hint $name)"
    return
  fi
  WRONG=()
  do_check
  if ((${#WRONG[@]} == 0)); then echo "$name: fixed"; return 0; fi
  echo "$name: not fixed yet:"
  printf '  - %s\n' "${WRONG[@]}"
  exit 1
}

# ---- what do_break uses -------------------------------------------------------------------------------
# replace_in_file FILE FROM TO: every literal FROM becomes TO (no regular expressions; the file keeps its inode
# and mode). Status 1 when FROM is not in FILE (already edited: breaking again changes nothing).
replace_in_file() {
  local f=$1 from=$2 to=$3 text
  [[ -n $from ]] || return 2
  text=$(<"$f")
  [[ $text == *"$from"* ]] || return 1
  printf '%s\n' "${text//"$from"/"$to"}" >"$f"
}

# launch HOST COMPONENT: start it without waiting for it to be ready (systemd's Type=simple): a daemon whose
# configuration is broken exits or stays unready, as a unit in a restart loop would.
launch() {
  local h=$1 c=$2 view=0
  [[ $c == etcd ]] && view=1
  HOST_VIEW=$view start_daemon "$h" "$c" "$(unit_of "$h" "$(component_unit "$c")")" 5 true
}

runtime_component() { if [[ $RUNTIME == docker ]]; then echo dockerd; else echo containerd; fi; }

# ---- what do_check uses: each want_* adds a line to WRONG ----------------------------------------------
wrong() { WRONG+=("$*"); }

# settle SECONDS COMMAND...: poll COMMAND each second until it succeeds; once something is already wrong,
# try once (a check of a cluster that is still broken answers at once).
settle() {
  local secs=$1 deadline; shift
  ((${#WRONG[@]})) && secs=0
  deadline=$(($(date +%s) + secs))
  while :; do
    "$@" >/dev/null 2>&1 9<&- && return 0
    (($(date +%s) >= deadline)) && return 1
    sleep 1
  done
}

want_running() {
  pid_alive "$(pidfile_of "$1" "$2")" || wrong "$2 on $1 is not running (scripts/lab status)"
}

want_api() {
  settle "${1:-20}" kc --request-timeout=5s get --raw=/readyz \
    || wrong "kubectl cannot reach a ready API server (kubectl get --raw=/readyz)"
}

node_ready() {
  [[ $(kc --request-timeout=5s get node "$1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

want_node_ready() {
  local n=$1 secs=${2:-60} msg
  settle "$secs" node_ready "$n" && return 0
  msg=$(kc --request-timeout=5s get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].message}' 2>/dev/null || true)
  wrong "node $n is not Ready${msg:+ ($msg)}"
}

want_all_nodes_ready() {
  local h
  for h in "${HOSTS[@]}"; do want_node_ready "$h" "${1:-60}"; done
}

# want_runtime_answers HOST: the runtime answers on its socket, as the kubelet reaches it.
want_runtime_answers() {
  local h=$1 ok
  if [[ $RUNTIME == docker ]]; then ok=(docker -H "unix://$RUN/$h/docker.sock" version)
  else ok=(ctr --address "$RUN/$h/containerd/containerd.sock" version); fi
  settle 10 "${ok[@]}" || wrong "the container runtime on $h does not answer on its socket"
}

pod_phase() { [[ $(kc --request-timeout=5s get pod "$1" -o 'jsonpath={.status.phase}') == "$2" ]]; }

# want_pod_runs [NODE] [SECONDS]: a new pod (busybox, from the lab's registry) is scheduled (onto NODE when
# given, bypassing the scheduler) and Running; it is deleted afterwards, whatever happened.
want_pod_runs() {
  local node=${1:-} secs=${2:-60} name="breakfix-check-$$" where node_of
  kc delete pod -l kubelab.dev/breakfix=check --wait=false >/dev/null 2>&1 || true
  where=''
  [[ -n $node ]] && where="  nodeName: $node"
  if ! kc --request-timeout=10s apply -f - >/dev/null 2>&1 <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $name
  labels:
    kubelab.dev/breakfix: check
spec:
$where
  terminationGracePeriodSeconds: 0
  containers:
  - name: sleep
    image: busybox
    command: ["sleep", "3600"]
YAML
  then
    wrong "a new pod could not be created (kubectl apply failed)"; return
  fi
  if ! settle "$secs" pod_phase "$name" Running; then
    node_of=$(kc get pod "$name" -o 'jsonpath={.spec.nodeName}' 2>/dev/null || true)
    if [[ -z $node_of ]]; then wrong "a new pod stays Pending: no node was assigned to it (kubectl describe pod)"
    else wrong "a new pod on $node_of does not reach Running (kubectl describe pod)"; fi
  fi
  kc delete pod "$name" --wait=false >/dev/null 2>&1 || true
}
