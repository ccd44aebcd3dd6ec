# shellcheck shell=bash
# The lab's network: a host bridge (kubelab0, 192.168.56.1/24) and one network namespace per host
# (kubelab-<host>) joined to it by a veth pair (host side kl-<short>, namespace side eth0).
# Nothing leaves the machine: the namespaces get no default route, the host no NAT; the host routes
# the pod and service ranges only into the lab (via the nodes) or to `unreachable`.

# A host route that the lab would add must not replace one that someone else owns.
_route_foreign() { # PREFIX: prints the route if the host routes exactly PREFIX and it is not the lab's
  ip route show exact "$1" | grep -v "proto $RT_PROTO" | grep -v "dev $BRIDGE" || true
}

net_check() { # 0 when every piece is present and wired
  local h
  ip link show "$BRIDGE" >/dev/null 2>&1 || return 1
  ip -4 addr show dev "$BRIDGE" | grep -qF "${BRIDGE_ADDR}" || return 1
  for h in "${HOSTS[@]}"; do
    [[ -e /run/netns/$(ns_of "$h") ]] || return 1
    ip link show "$(veth_of "$h")" 2>/dev/null | grep -qF "master $BRIDGE" || return 1
    in_host "$h" ip -4 addr show dev eth0 2>/dev/null | grep -qF "${HOST_IP[$h]}/24" || return 1
  done
  return 0
}

net_up() {
  local h ns veth log=$LOGS/lab/up.log other
  # Refuse to take over addresses or ranges that are in use on this machine by anything else.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    other=$(ip -4 -o addr show | grep -F "${BRIDGE_ADDR%/*}/" || true)
    [[ -z $other ]] || fail "192.168.56.1 is already used on this machine: $other" "ip -4 addr" ""
  fi
  for p in "$CLUSTER_CIDR" "$SERVICE_CIDR" 192.168.56.0/24; do
    other=$(_route_foreign "$p")
    [[ -z $other ]] || fail "the host already routes $p ($other); the lab will not replace it" "ip route show exact $p" ""
  done
  if [[ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
    run "$log" modprobe br_netfilter
    say "loaded the br_netfilter kernel module (Services on a node reach same-node pods through it; not unloaded by down)"
  fi

  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    run "$log" ip link add "$BRIDGE" type bridge
  fi
  ip -4 addr show dev "$BRIDGE" | grep -qF "$BRIDGE_ADDR" || run "$log" ip addr add "$BRIDGE_ADDR" dev "$BRIDGE"
  run "$log" ip link set "$BRIDGE" up

  for h in "${HOSTS[@]}"; do
    ns=$(ns_of "$h"); veth=$(veth_of "$h")
    [[ -e /run/netns/$ns ]] || run "$log" ip netns add "$ns"
    if ! ip link show "$veth" >/dev/null 2>&1; then
      run "$log" ip link add "$veth" type veth peer name eth0 netns "$ns"
    fi
    run "$log" ip link set "$veth" master "$BRIDGE" up
    in_host "$h" ip -4 addr show dev eth0 | grep -qF "${HOST_IP[$h]}/24" || run "$log" in_host "$h" ip addr add "${HOST_IP[$h]}/24" dev eth0
    run "$log" in_host "$h" ip link set lo up
    run "$log" in_host "$h" ip link set eth0 up
    run "$log" in_host "$h" sysctl -qw net.ipv4.ip_forward=1
    # Stands in for a VM's default route: a connection to a ClusterIP needs a route before the proxy's
    # DNAT rewrites it. On-link on eth0: an address nothing answers for goes nowhere.
    run "$log" in_host "$h" ip route replace "$SERVICE_CIDR" dev eth0
    say "$h: namespace $ns, eth0 ${HOST_IP[$h]}/24 <-> $veth on $BRIDGE"
  done

  # Host routes: services via controlplane01 (its proxy DNATs), pods unreachable until nodes get pod CIDRs.
  run "$log" ip route replace "$SERVICE_CIDR" via "$CP_IP" dev "$BRIDGE" proto "$RT_PROTO"
  run "$log" ip route replace unreachable "$CLUSTER_CIDR" proto "$RT_PROTO"
  # Bridged traffic between the hosts crosses the host's FORWARD chain (bridge netfilter): let it pass.
  if ! iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$IPT_COMMENT" -j ACCEPT 2>/dev/null; then
    run "$log" iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$IPT_COMMENT" -j ACCEPT
  fi
  say "host: $BRIDGE ${BRIDGE_ADDR}; routes $SERVICE_CIDR via $CP_IP, unreachable $CLUSTER_CIDR (proto $RT_PROTO)"
}

# Pod CIDR routes on the host, once the nodes have spec.podCIDR (so `curl <pod IP>` works from the host).
net_pod_routes() {
  local name cidr ip log=$LOGS/lab/up.log
  while read -r name cidr ip; do
    [[ -n $cidr && $cidr != '<none>' && -n $ip ]] || continue
    run "$log" ip route replace "$cidr" via "$ip" dev "$BRIDGE" proto "$RT_PROTO"
    say "host route $cidr via $ip ($name)"
  done < <(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' 2>/dev/null)
}

# (Clearing and leftovers look for the names of every topology, KNOWN_HOSTS: a lab made with --ha included.)
# Pod network namespaces the lab's kubelets made: /run/netns/kubelab-<host>-<pod uid> (node-agent/network/cni.ts).
# A pod's uid is a UUID from the API server, or for a static pod the kubelet's md5 of its manifest (32 hex
# digits, as upstream's kubelet makes it): both, or a static pod's namespace outlives `down`.
pod_netns() {
  local h
  [[ -d /run/netns ]] || return 0
  for h in "${KNOWN_HOSTS[@]}"; do
    find /run/netns -maxdepth 1 -regextype posix-extended \
      -regex "/run/netns/$(ns_of "$h")-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})" -printf '%f\n'
  done
}

# netpol_down NS: what the proxies' network policy agent (node-agent/netpol) keeps in a host namespace, should a
# killed proxy have left it (the agent removes it on exit; deleting the namespace would take it too): our
# FORWARD jump and KUBE-NWPLCY-* / KUBE-POD-FW-* chains, then, no rule naming them any more, the KL-NP-* ipsets.
netpol_down() {
  local ns=$1 chains sets
  local in=(nsenter --net="/run/netns/$ns")
  chains=$("${in[@]}" iptables-save -t filter 2>/dev/null | sed -n 's/^:\(KUBE-NWPLCY-[^ ]*\|KUBE-POD-FW-[^ ]*\) .*/\1/p' || true)
  if [[ -n $chains ]]; then
    while "${in[@]}" iptables -D FORWARD -m comment --comment "kubelab network policies" -j KUBE-NWPLCY-FORWARD 2>/dev/null; do :; done
    # shellcheck disable=SC2086
    { echo '*filter'; printf ':%s - [0:0]\n' $chains; printf -- '-X %s\n' $chains; echo COMMIT; } |
      "${in[@]}" iptables-restore --noflush && say "deleted the network policy chains in $ns"
  fi
  command -v ipset >/dev/null || return 0
  sets=$("${in[@]}" ipset list -n 2>/dev/null | grep '^KL-NP-' || true)
  # shellcheck disable=SC2086
  if [[ -n $sets ]]; then printf 'destroy %s\n' $sets | "${in[@]}" ipset restore -exist && say "destroyed the network policy ipsets in $ns"; fi
  return 0
}

net_down() {
  local h ns veth line
  for ns in $(pod_netns); do ip netns del "$ns" 2>/dev/null && say "deleted pod namespace $ns"; done
  for h in "${KNOWN_HOSTS[@]}"; do
    ns=$(ns_of "$h"); veth=$(veth_of "$h")
    if [[ -e /run/netns/$ns ]]; then netpol_down "$ns" || true; ip netns del "$ns" && say "deleted namespace $ns"; fi
    if ip link show "$veth" >/dev/null 2>&1; then ip link del "$veth" 2>/dev/null && say "deleted veth $veth"; fi
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" && say "deleted bridge $BRIDGE"; fi
  while read -r line; do
    [[ -n $line ]] || continue
    # shellcheck disable=SC2086
    ip route del $line proto "$RT_PROTO" 2>/dev/null && say "deleted host route: $line"
  done < <(ip route show proto "$RT_PROTO")
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$IPT_COMMENT" -j ACCEPT 2>/dev/null; do
    say "deleted iptables rule FORWARD -i $BRIDGE -o $BRIDGE ($IPT_COMMENT)"
  done
}

# cgroups the lab's runtimes and kubelets make: /kubelab-<host> and /kubelab-<host>-docker under every
# hierarchy. Processes still in them are the lab's containers: killed by PID, then the directories removed.
cgroup_dirs() {
  local m h
  for m in $(findmnt -rn -t cgroup,cgroup2 -o TARGET); do
    for h in "${KNOWN_HOSTS[@]}"; do
      for d in "$m/kubelab-$h" "$m/kubelab-$h-docker"; do [[ -d $d ]] && echo "$d"; done
    done
  done
}

cgroups_down() {
  local d pid sub
  for d in $(cgroup_dirs); do
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
  done
  sleep 0.2
  for d in $(cgroup_dirs); do
    while read -r sub; do rmdir "$sub" 2>/dev/null || true; done < <(find "$d" -depth -type d)
    if [[ -d $d ]]; then warn "cgroup $d could not be removed"; else say "removed cgroup $d"; fi
  done
}

# Mounts under the lab directory (overlay snapshots, pod volumes, pod netns bind mounts), deepest first.
# Only paths under $LAB: never a prefix match on /run/netns (other tools' namespaces may share a prefix).
lab_mounts() { findmnt -rn -o TARGET | grep -F "$LAB/" | grep "^$LAB/" | sort -r || true; }

mounts_down() {
  local m
  while read -r m; do
    [[ -n $m && $m == "$LAB"/* ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    say "unmounted $m"
  done < <(lab_mounts)
}
