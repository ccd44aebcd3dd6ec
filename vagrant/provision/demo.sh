#!/usr/bin/env bash
# The nginx demo on the Vagrant cluster (run by Vagrant on the last machine):  demo.sh NODE_COUNT
# Waits for every node to be Ready, deploys scripts/lab.d/nginx-demo.yaml (the lab's own demo),
# curls the ClusterIP, and prints the kubeconfig the host can use.
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
kubectl label node controlplane01 node-role.kubernetes.io/control-plane= --overwrite || true
kubectl get nodes -o wide
((ready >= want)) || { echo "[kubelab demo] only $ready of $want nodes Ready after 3 minutes" >&2; exit 1; }
kubectl apply -f /opt/kubelab/scripts/lab.d/nginx-demo.yaml
kubectl wait --for=condition=Available deployment/nginx --timeout=180s
kubectl get pods -l app=nginx -o wide
cip=$(kubectl get svc nginx -o jsonpath='{.spec.clusterIP}')
curl -s -o /dev/null -w "[kubelab demo] curl http://$cip/ -> HTTP %{http_code}\n" --max-time 5 "http://$cip/"
cat <<MSG
[kubelab demo] done. From the host:
  export KUBECONFIG=\$PWD/vagrant/.generated/kubeconfigs/admin.kubeconfig   (run in the checkout)
  kubectl get nodes,pods -o wide
  vagrant ssh node01 -c 'curl -s http://$cip/'
MSG
