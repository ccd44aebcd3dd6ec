# shellcheck shell=bash
# scheduler-down: the scheduler on controlplane01 is stopped.
describe() { echo "new pods stay Pending and no node is assigned to them: make pods schedule again."; }

do_break() {
  stop_component "$CP" scheduler
}

do_check() {
  want_api
  want_running "$CP" scheduler
  want_pod_runs '' 60
}

hint() {
  cat <<'EOF_HINT'
kubectl describe pod <pending pod>: no events at all, not even FailedScheduling? Then nothing is trying to
schedule it. Which control-plane component assigns nodes, and is it running on controlplane01?
(scripts/lab status; kubectl get componentstatuses: is the scheduler Healthy?
kubectl -n kube-system get lease kube-scheduler: who holds it, when was it renewed?)
EOF_HINT
}

solution() {
  cat <<EOF_SOLUTION
scripts/lab start $CP scheduler
EOF_SOLUTION
}
