# shellcheck shell=bash
# apiserver-wrong-etcd: the API server's --etcd-servers names a wrong port (2739 for 2379) and the API server
# was restarted: it cannot reach its storage.
describe() { echo "kubectl fails: the API server does not answer. Make kubectl work again."; }

apiserver_flags() { echo "$CFG/hosts/$CP/env/apiserver.env"; }

do_break() {
  local f; f=$(apiserver_flags)
  replace_in_file "$f" "--etcd-servers=https://$CP_IP:2379" "--etcd-servers=https://$CP_IP:2739" \
    || grep -qF -- "--etcd-servers=https://$CP_IP:2739" "$f" || return 1
  stop_component "$CP" apiserver
  launch "$CP" apiserver
}

do_check() {
  grep -qF -- "--etcd-servers=https://$CP_IP:2379" "$(apiserver_flags)" \
    || wrong "the API server's flags do not name etcd's client URL ($(grep -o -- '--etcd-servers=[^ "]*' "$(apiserver_flags)" || echo 'no --etcd-servers'))"
  want_running "$CP" apiserver
  want_api 30
  ((${#WRONG[@]})) || want_all_nodes_ready 60
}

hint() {
  cat <<EOF_HINT
The API server runs on $CP (scripts/lab status). Is it running? Read its log, $LOGS/$CP/apiserver.log
(on a kubeadm node: crictl logs, /var/log/pods). Its flags are in $(apiserver_flags)
(kubeadm: /etc/kubernetes/manifests/kube-apiserver.yaml). Where does etcd listen for clients
(scripts/lab exec $CP -- etcdctl member list; etcd's --listen-client-urls)?
EOF_HINT
}

solution() {
  cat <<EOF_SOLUTION
sed -i 's#--etcd-servers=https://$CP_IP:2739#--etcd-servers=https://$CP_IP:2379#' $(apiserver_flags)
scripts/lab restart $CP apiserver
EOF_SOLUTION
}
