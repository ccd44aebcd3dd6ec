# shellcheck shell=bash
# kubelet-wrong-ca: node01's KubeletConfiguration names a client CA file that does not exist
# (authentication.x509.clientCAFile), and the kubelet was restarted: it exits at start, as upstream's does
# ("unable to load client CA file").
describe() { echo "node01 is NotReady (kubectl get nodes; within about 20 s): make it Ready again."; }

kubelet_config() { echo "$CFG/hosts/node01/kubelet/config.yaml"; }

do_break() {
  local f; f=$(kubelet_config)
  replace_in_file "$f" "clientCAFile: $CFG/pki/ca.crt" "clientCAFile: $CFG/pki/ca-node01.crt" \
    || grep -qF "clientCAFile: $CFG/pki/ca-node01.crt" "$f" || return 1
  stop_component node01 kubelet
  launch node01 kubelet
}

do_check() {
  local ca
  want_api
  ca=$(sed -n 's/^[[:space:]]*clientCAFile:[[:space:]]*//p' "$(kubelet_config)")
  if [[ -z $ca || ! -f $ca ]]; then wrong "node01's kubelet configuration names a client CA file that does not exist: ${ca:-none}"
  elif ! cmp -s "$ca" "$CFG/pki/ca.crt"; then wrong "node01's kubelet trusts $ca, not the cluster's CA"
  fi
  want_running node01 kubelet
  want_node_ready node01 60
  # The API server reaches the kubelet with its kubelet-client certificate: the client CA is the right one.
  settle 10 kc --request-timeout=5s get --raw /api/v1/nodes/node01/proxy/healthz \
    || wrong "the API server cannot reach node01's kubelet API (kubectl get --raw /api/v1/nodes/node01/proxy/healthz)"
}

hint() {
  cat <<EOF_HINT
kubectl describe node node01, then the kubelet on node01: is it running (scripts/lab status)? Start it and
read why it stops: its log is $LOGS/node01/kubelet.log (on a VM: journalctl -u kubelet). The kubelet's
flags are in $CFG/hosts/node01/env/kubelet.env (the unit's EnvironmentFile), its
KubeletConfiguration in the file its --config names (kubeadm: /var/lib/kubelet/config.yaml).
EOF_HINT
}

solution() {
  cat <<EOF_SOLUTION
sed -i 's#^\(\s*clientCAFile:\).*#\1 $CFG/pki/ca.crt#' $(kubelet_config)
scripts/lab restart node01 kubelet
EOF_SOLUTION
}
