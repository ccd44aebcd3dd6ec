# shellcheck shell=bash
# kubelet-stopped: node01's kubelet is stopped (systemctl stop kubelet).
describe() { echo "node01 is NotReady (kubectl get nodes; within about 20 s): make it Ready again."; }

do_break() {
  stop_component node01 kubelet
}

do_check() {
  want_api
  want_running node01 kubelet
  want_node_ready node01 60
}

hint() {
  cat <<'EOF_HINT'
kubectl describe node node01: who stopped posting the node's status? The service that does it runs on the
node itself: look at node01's services (scripts/lab status is this lab's `systemctl status`; on a VM:
systemctl status kubelet, journalctl -u kubelet).
EOF_HINT
}

solution() {
  cat <<'EOF_SOLUTION'
scripts/lab start node01 kubelet
EOF_SOLUTION
}
