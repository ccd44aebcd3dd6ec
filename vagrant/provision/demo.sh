#!/usr/bin/env bash
# The add-ons and the nginx demo on the Vagrant cluster (run by Vagrant on the last machine):  demo.sh NODE_COUNT
# Waits for every node to be Ready, installs the add-ons as scripts/lab up does (scripts/lab.d/addons: cluster
# DNS, kube-dns at 10.96.0.10; the local-path provisioner and the default StorageClass local-path), deploys scripts/lab.d/nginx-demo.yaml (the lab's own demo), curls the ClusterIP
# and resolves its name, and prints the kubeconfig the host can use.
set -euo pipefail
want=$1
export KUBECONFIG=/etc/kubelab/kubeconfigs/admin.kubeconfig
command -v kubectl >/dev/null || {
  echo "[kubelab demo] no kubectl in the VM: the demo runs from the host instead:" >&2
  echo "  KUBECONFIG=vagrant/.generated/kubeconfigs/admin.kubeconfig kubectl apply -f scripts/lab.d/nginx-demo.yaml" >&2
  exit 0
}
for _ in $(seq 180); do
  ready=$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c '^True$' || true)
  ((ready >= want)) && break
  sleep 1
done
# shellcheck disable=SC1091
cps=$(. /etc/kubelab/cluster.env; echo "${KUBELAB_CONTROLPLANES:-$KUBELAB_CONTROLPLANE}")
for cp in $cps; do kubectl label node "$cp" node-role.kubernetes.io/control-plane= --overwrite || true; done
kubectl get nodes -o wide
((ready >= want)) || { echo "[kubelab demo] only $ready of $want nodes Ready after 3 minutes" >&2; exit 1; }
# As kubeadm's addon phase (and scripts/lab up): cluster DNS and local-path storage from the lab's kubelab/kubelab image.
/opt/kubelab/scripts/lab.d/addons "$KUBECONFIG" 300s
kubectl apply -f /opt/kubelab/scripts/lab.d/nginx-demo.yaml
kubectl wait --for=condition=Available deployment/nginx --timeout=180s
kubectl get pods -l app=nginx -o wide
cip=$(kubectl get svc nginx -o jsonpath='{.spec.clusterIP}')
curl -s -o /dev/null -w "[kubelab demo] curl http://$cip/ -> HTTP %{http_code}\n" --max-time 5 "http://$cip/"
echo "[kubelab demo] dig @10.96.0.10 nginx.default.svc.cluster.local -> $(dig +short @10.96.0.10 nginx.default.svc.cluster.local 2>/dev/null || echo '(no dig on this machine)')"
cat <<MSG
[kubelab demo] done. From the host:
  export KUBECONFIG=\$PWD/vagrant/.generated/kubeconfigs/admin.kubeconfig   (run in the checkout)
  kubectl get nodes,pods -o wide
  kubectl run dns --image=kubelab/dnsutils --restart=Never -- nslookup nginx   # cluster DNS (kube-dns 10.96.0.10)
  kubectl logs dns          # Name: nginx.default.svc.cluster.local, Address: <the ClusterIP>
  vagrant ssh node01 -c 'curl -s http://$cip/'
MSG
