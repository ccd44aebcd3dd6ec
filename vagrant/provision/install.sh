#!/usr/bin/env bash
# Provision one kubelab VM (run by Vagrant as root):  install.sh HOST IP ROLE RUNTIME
#   1. Debian packages (containerd or docker.io, runc, CNI plugins, etcd, iptables, conntrack, ipset), Node.js 20
#      (Debian 12 has 18: NodeSource's node_20.x) and kubectl (pkgs.k8s.io)
#   2. kubelab from the synced folder (/kubelab -> /opt/kubelab; npm ci && npm run build)
#   3. the configuration generated on the host (vagrant/.generated -> /etc/kubelab) and this host's units
#   4. start the units: etcd, kubelab-apiserver, -scheduler, -controller-manager (controlplane), then
#      kubelab-kubelet and kubelab-proxy (every host; control planes are tainted NoSchedule)
#   (KUBELAB_HA=1: the loadbalancer host gets only Debian's haproxy and kubelab-haproxy.service)
# Idempotent: `vagrant provision` re-runs it.
set -euo pipefail
host=$1 ip=$2 role=$3 runtime=$4
src=/kubelab
gen=${KUBELAB_GENERATED:-$src/vagrant/.generated}
# KUBELAB_PREBUILT=1 (scripts/lab up --hosts machine): the synced folder carries node_modules and dist/ built on
# the host, and the machine has no network: they are used as they are (no npm ci, no npm run build).
prebuilt=${KUBELAB_PREBUILT:-0}
export DEBIAN_FRONTEND=noninteractive

log() { printf '[kubelab %s] %s\n' "$host" "$*"; }

[[ -s $gen/cluster.env ]] || { echo "no $gen: the Vagrantfile's trigger runs scripts/lab-config/generate on the host" >&2; exit 1; }
registry=$(sed -n 's/^KUBELAB_REGISTRY=//p' "$gen/cluster.env")
first_cp=$(sed -n 's/^KUBELAB_CONTROLPLANE=//p' "$gen/cluster.env")
ha=0; grep -q '^KUBELAB_LOADBALANCER=' "$gen/cluster.env" && ha=1

if [[ $role == loadbalancer ]]; then
  # kubeadm's HA topology: haproxy in TCP mode in front of the API servers; no kubelet, no secret of the cluster.
  log "haproxy (load balancer of the API servers)"
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends haproxy >/dev/null
  rm -f /usr/sbin/policy-rc.d
  systemctl disable --now haproxy.service 2>/dev/null || true
  mkdir -p "/etc/kubelab/hosts/$host"
  rsync -a --delete "$gen/hosts/$host/" "/etc/kubelab/hosts/$host/"
  install -m 0644 "/etc/kubelab/hosts/$host/units/"*.service /etc/systemd/system/
  systemctl daemon-reload
  systemctl enable kubelab-haproxy.service && systemctl restart kubelab-haproxy.service
  log "done"
  exit 0
fi

log "packages ($runtime)"
pkgs=(runc containernetworking-plugins etcd-client iptables conntrack ipset curl rsync ca-certificates gnupg)
if [[ $runtime == docker ]]; then pkgs+=(docker.io); else pkgs+=(containerd); fi
# bsdextrautils: hexdump, for the Hard Way's check that a Secret is encrypted in etcd (`etcdctl get ... | hexdump -C`).
[[ $role == controlplane ]] && pkgs+=(etcd-server bsdextrautils)
[[ $host == "$first_cp" ]] && pkgs+=(docker-registry skopeo umoci jq busybox-static nginx-light bind9-dnsutils)
# Packages must not start their own daemons with default settings (etcd on :2379, nginx on :80).
# Offline when every package is installed already (a machine image built with them): no apt-get update.
if ! dpkg-query -W -f='${db:Status-Status}\n' "${pkgs[@]}" 2>/dev/null | grep -qv '^installed$' \
  && [[ $(dpkg-query -W -f='${db:Status-Status}\n' "${pkgs[@]}" 2>/dev/null | wc -l) -eq ${#pkgs[@]} ]]; then
  log "packages already installed"
else
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
systemctl disable --now nginx.service 2>/dev/null || true
# kubelab needs Node.js >= 20; Debian 12 ships 18. Node 20 from NodeSource's repository (what the
# development machines use; includes npm). On a distribution with Node >= 20, its own package is used.
if ! node --version 2>/dev/null | grep -Eq '^v(2[0-9]|[3-9][0-9])\.'; then
  if apt-cache policy nodejs | grep -Eq 'Candidate: (2[0-9]|[3-9][0-9])\.'; then
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    mkdir -p /etc/apt/keyrings
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
    echo 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' >/etc/apt/sources.list.d/nodesource.list
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs >/dev/null
  fi
fi
# kubectl is not in Debian 12: from the Kubernetes project's apt repository, as the CKA course installs it.
if ! command -v kubectl >/dev/null; then
  mkdir -p /etc/apt/keyrings
  if curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.32/deb/Release.key | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg; then
    echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.32/deb/ /' >/etc/apt/sources.list.d/kubernetes.list
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends kubectl >/dev/null; }; then
      log "kubectl not installed (no access to pkgs.k8s.io)"
    fi
  else
    log "kubectl not installed (no access to pkgs.k8s.io)"
  fi
fi

log "kernel settings"
# In a container (a lab machine) the host loaded it: /proc/sys/net/bridge exists.
modprobe br_netfilter 2>/dev/null || [[ -d /proc/sys/net/bridge ]]
cat >/etc/modules-load.d/kubelab.conf <<CONF
br_netfilter
CONF
cat >/etc/sysctl.d/90-kubelab.conf <<CONF
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
CONF
sysctl -q --system || log "not every kernel setting applied (in a container the host's settings hold)"

log "kubelab from $src into /opt/kubelab"
mkdir -p /opt/kubelab
if ((prebuilt)); then
  rsync -a --delete --exclude .lab/ --exclude vagrant/.generated/ --exclude .git --exclude .test-state/ --exclude .test-results/ "$src/" /opt/kubelab/
  cd /opt/kubelab
else
  rsync -a --delete --exclude node_modules/ --exclude dist/ --exclude .lab/ --exclude vagrant/.generated/ "$src/" /opt/kubelab/
  cd /opt/kubelab
  if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  npm run build --silent
fi

log "configuration -> /etc/kubelab"
mkdir -p /etc/kubelab /var/lib/kubelab
rsync -a --delete "$gen/" /etc/kubelab/
chmod 0700 /etc/kubelab/pki
if [[ $role == controlplane ]]; then
  # kubeadm's paths, as the CKA material uses them (etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt ...).
  mkdir -p /etc/kubernetes
  [[ -e /etc/kubernetes/pki ]] || ln -s /etc/kubelab/pki /etc/kubernetes/pki
else
  # Only the control plane signs, and only it talks to etcd: the workers keep neither CA key, nor the
  # service-account signing key (whoever holds it mints any service account's token), nor any etcd
  # credential (etcd trusts only its own CA, whose certificates stay on controlplane01).
  rm -rf /etc/kubelab/pki/ca.key /etc/kubelab/pki/sa.key /etc/kubelab/pki/etcd /etc/kubelab/pki/apiserver-etcd-client.* \
    /etc/kubelab/pki/front-proxy-ca.key /etc/kubelab/pki/front-proxy-client.*
fi
install -m 0644 "/etc/kubelab/hosts/$host/profile.sh" /etc/profile.d/kubelab.sh
install -m 0644 "/etc/kubelab/hosts/$host/units/"*.service /etc/systemd/system/
# The kubelet's configuration and static pod directory where kubeadm puts them.
install -D -m 0644 "/etc/kubelab/hosts/$host/kubelet/config.yaml" /var/lib/kubelet/config.yaml
mkdir -p /etc/kubernetes/manifests

if [[ $runtime == docker ]]; then
  mkdir -p /etc/docker
  # As the lab's dockerd: no bridge, no iptables of its own (the kubelet wires pods through CNI).
  cat >/etc/docker/daemon.json <<CONF
{ "bridge": "none", "iptables": false, "ip-masq": false,
  "insecure-registries": ["$registry"], "registry-mirrors": ["http://$registry"] }
CONF
  systemctl enable docker.service && systemctl restart docker.service
else
  systemctl enable containerd.service && systemctl restart containerd.service
fi
systemctl daemon-reload

if [[ $host == "$first_cp" ]]; then
  log "image registry and images"
  sed -i 's/^\(\s*addr:\).*/\1 0.0.0.0:5000/' /etc/docker/registry/config.yml
  # Debian 12's config asks for htpasswd auth from /etc/docker/registry (a directory): every push fails with
  # "read /etc/docker/registry: is a directory". The lab's registry is anonymous, as the one-machine lab's is.
  sed -i '/^auth:/,/^[^[:space:]]/{/^auth:/d;/^[[:space:]]/d}' /etc/docker/registry/config.yml
  systemctl enable docker-registry.service && systemctl restart docker-registry.service
  # Images built already (a lab machine gets the lab's image cache) are kept.
  if [[ ! -f /var/lib/kubelab/images/kubelab/index.json ]]; then /opt/kubelab/scripts/images/build /var/lib/kubelab/images; fi
  /opt/kubelab/scripts/images/publish 127.0.0.1:5000 /var/lib/kubelab/images
fi
if [[ $role == controlplane ]]; then
  log "control plane units"
  systemctl enable etcd.service kubelab-apiserver.service kubelab-scheduler.service kubelab-controller-manager.service
  # One etcd member of three is not ready before a second one joins (the machines come up one after the
  # other): not waited for; this API server is ready once the next control plane's etcd makes a quorum.
  if ((ha)); then systemctl restart --no-block etcd.service; else systemctl restart etcd.service; fi
  systemctl restart kubelab-apiserver.service
  for _ in $(seq 120); do
    curl -sf --cacert /etc/kubelab/pki/ca.crt --cert /etc/kubelab/pki/admin.crt --key /etc/kubelab/pki/admin.key \
      "https://$ip:6443/readyz" >/dev/null && break
    sleep 1
  done
  systemctl restart kubelab-scheduler.service kubelab-controller-manager.service
fi

log "node units (kubelet --node-ip $ip, proxy)"
systemctl enable kubelab-kubelet.service kubelab-proxy.service
systemctl restart kubelab-kubelet.service kubelab-proxy.service || {
  echo "kubelab-kubelet or kubelab-proxy failed to start: journalctl -u kubelab-kubelet -u kubelab-proxy" >&2; exit 1; }
log "done"
