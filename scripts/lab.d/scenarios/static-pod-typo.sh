# shellcheck shell=bash
# static-pod-typo: node01's staticPodPath holds a manifest with a misspelt field (`contianers`): the kubelet
# refuses it ("Could not process manifest file ... spec.containers: Required value") and no pod runs.
describe() { echo "the static pod static-web on node01 (mirror pod static-web-node01) does not appear: make it run."; }

# The file in node01's own view (scripts/lab exec node01 -- ...), and where the lab keeps it.
MANIFEST=/etc/kubernetes/manifests/static-web.yaml
manifest_file() { echo "$DATA/hosts/node01$MANIFEST"; }

do_break() {
  mkdir -p "$(dirname "$(manifest_file)")"
  cat >"$(manifest_file)" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels:
    app: static-web
spec:
  contianers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
YAML
}

do_check() {
  want_api
  if [[ ! -f $(manifest_file) ]]; then
    wrong "node01 has no $MANIFEST any more: fix the manifest, do not remove it"
  elif ! grep -qE '^[[:space:]]+containers:' "$(manifest_file)"; then
    # Not the kubelet's parser, only its first complaint, so that this check answers at once.
    wrong "node01's kubelet cannot run the pod in $MANIFEST (what does its log say about that file?)"
  fi
  want_running node01 kubelet
  settle 60 pod_phase static-web-node01 Running \
    || wrong "the mirror pod static-web-node01 is not Running (kubectl get pod static-web-node01)"
}

hint() {
  cat <<EOF_HINT
A static pod is run by a node's kubelet from a file, not by the API server: which folder does node01's kubelet
read (staticPodPath in its KubeletConfiguration, $CFG/hosts/node01/kubelet/config.yaml)? Look at the files
there on node01 (scripts/lab exec node01 -- ls /etc/kubernetes/manifests) and at what the kubelet says about
them ($LOGS/node01/kubelet.log; on a VM: journalctl -u kubelet).
EOF_HINT
}

solution() {
  cat <<EOF_SOLUTION
scripts/lab exec node01 -- sed -i 's/contianers:/containers:/' $MANIFEST
EOF_SOLUTION
}
