# shellcheck shell=bash
# runtime-stopped: node02's container runtime (containerd, or dockerd on a --runtime docker lab) is stopped.
describe() { echo "node02 is NotReady and pods cannot start on it: make it work again."; }

do_break() {
  stop_component node02 "$(runtime_component)"
}

do_check() {
  want_api
  want_running node02 "$(runtime_component)"
  want_runtime_answers node02
  want_node_ready node02 60
  want_pod_runs node02 60
}

hint() {
  cat <<'EOF_HINT'
kubectl describe node node02: read the Ready condition's message. The kubelet still runs, but something it
needs on the node does not answer: which service runs the containers? (scripts/lab status; on a VM:
systemctl status containerd, journalctl -u kubelet)
EOF_HINT
}

solution() {
  echo "scripts/lab start node02 $(runtime_component)"
}
