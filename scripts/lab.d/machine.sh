# shellcheck shell=bash
# shellcheck disable=SC2154 # $repo, $LAB, ...: set by scripts/lab and lab.d/lib.sh
# Machine hosts (`scripts/lab up --hosts machine`): controlplane01, node01, node02 as systemd-nspawn machines,
# each a Debian 12 with systemd as PID 1 that runs the units vagrant/provision/install.sh installs, as a VM does.
#
#   image    built once with debootstrap from the Debian mirror apt uses here (--variant=minbase plus systemd,
#            dbus, iproute2 and install.sh's packages, so provisioning needs no network), the host's node and
#            kubectl copied in; cached in $LAB/cache/machine-image (kept by `down`).
#   root     per host an overlayfs: lower = the image, upper = $DATA/machines/<host>/upper, mounted on
#            $RUN/machines/<host>/root (unmounted by `down`; `down` removes the upper dirs with the data).
#   network  the namespace hosts' network, unchanged: systemd-nspawn --network-namespace-path=/run/netns/kubelab-<host>
#            (eth0 with the host's address on kubelab0, the same routes, no route off the machine).
#   files    the repo read-only at /kubelab (Vagrant's synced folder), the generated config (the Vagrantfile's generate
#            arguments) at /kubelab-generated: install.sh runs with KUBELAB_GENERATED=/kubelab-generated KUBELAB_PREBUILT=1.
#
# What runc needs inside nspawn on this host (cgroup v1 hybrid, PID 1 not systemd; seen 2026-12-05):
#   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 (the legacy hierarchies, as the host has them), --private-users=no,
#   --capability=all, --system-call-filter='@keyring bpf' (denied by default), /dev/fuse and /dev/kmsg bound;
#   --register=no --keep-unit (no machined: machinectl cannot see them), nspawn entering /kubelab-<host> of every
#   hierarchy before it execs (its cgroup namespace is rooted there; no --property=Delegate=yes without a systemd
#   host); and nspawn mounts the controller hierarchies read-only: kubelab-cgroups-rw.service (written at boot)
#   remounts them writable (`mount -o remount,bind,rw`) before containerd and the kubelet start.
MACHINE_SUITE=bookworm
MACHINE_IMAGE=$LAB/cache/machine-image
# install.sh's packages (containerd runtime, controlplane extras) and what systemd as PID 1 needs.
MACHINE_PACKAGES=(systemd systemd-sysv dbus iproute2 procps kmod less
  runc containernetworking-plugins etcd-client iptables conntrack ipset curl rsync ca-certificates gnupg containerd
  etcd-server bsdextrautils docker-registry skopeo umoci jq busybox-static nginx-light bind9-dnsutils)

machine_of() { echo "kubelab-$1"; }   # the machinectl name: kubelab-controlplane01, ...
machine_root() { echo "$RUN/machines/$1/root"; }
machine_upper() { echo "$DATA/machines/$1"; }

# The Debian mirror apt uses on this machine (deb822 sources or a sources.list line).
machine_mirror() {
  local m
  m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
  [[ -n $m ]] || m=$(grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | awk '{print $2}' | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

# machine_image_build: debootstrap the image once (a .partial directory renamed when complete).
machine_image_build() {
  local img=$MACHINE_IMAGE tmp=$MACHINE_IMAGE.partial log=${1:-$LOGS/lab/up.log} incl bin lib
  # The cache is keyed by the package list (its marker's second line): an image without a package install.sh now
  # wants would make provisioning go online (apt-get update), which the machines cannot.
  if [[ -e $img/etc/kubelab-machine-image ]]; then
    if [[ $(sed -n 2p "$img/etc/kubelab-machine-image") == "packages: ${MACHINE_PACKAGES[*]}" ]]; then
      say "machine image cached ($img)"; return 0
    fi
    if findmnt -rn -o TARGET | grep -q "^$RUN/machines/"; then
      warn "the cached machine image has other packages than MACHINE_PACKAGES, but machines run on it: kept (lab down, then up)"
      return 0
    fi
    say "the cached machine image has other packages than MACHINE_PACKAGES: building it again"
    rm -rf --one-file-system "$img"
  fi
  rm -rf --one-file-system "$tmp"; mkdir -p "$tmp"
  incl=$(IFS=,; echo "${MACHINE_PACKAGES[*]}")
  run "$log" debootstrap --variant=minbase --include="$incl" "$MACHINE_SUITE" "$tmp" "$(machine_mirror)"
  # Node.js >= 20 and kubectl v1.32 as on the host (Debian 12 has node 18 and no kubectl): the binaries and libraries.
  for bin in "$(readlink -f "$(command -v node)")" "$(readlink -f "$(command -v "$KUBECTL")")"; do
    install -D -m 0755 "$bin" "$tmp/usr/bin/$(basename "$bin")"
    for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*'); do
      [[ -e $tmp$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$tmp$lib"
    done
  done
  # Machines boot to a login-less multi-user target: no getty on the console, no network configuration of their own.
  ln -sf /dev/null "$tmp/etc/systemd/system/console-getty.service"
  ln -sf /dev/null "$tmp/etc/systemd/system/systemd-networkd.service"
  ln -sf /dev/null "$tmp/etc/systemd/system/systemd-resolved.service"
  # Packages' own daemons stay off (install.sh enables what it wants): etcd, nginx, docker-registry, containerd.
  for u in etcd nginx docker-registry containerd; do ln -sf /dev/null "$tmp/etc/systemd/system/multi-user.target.wants/$u.service" 2>/dev/null || true; done
  rm -f "$tmp/etc/systemd/system/multi-user.target.wants/"{etcd,nginx,docker-registry,containerd}.service
  printf 'kubelab machine image: debootstrap %s %s, %s\npackages: %s\n' "$MACHINE_SUITE" "$(machine_mirror)" "$(date -u +%FT%TZ)" \
    "${MACHINE_PACKAGES[*]}" >"$tmp/etc/kubelab-machine-image"
  mv "$tmp" "$img"
  say "built the machine image $img ($(du -sh "$img" | cut -f1))"
}

# machine_pid HOST: the PID of the machine's init (systemd, PID 1 inside), from its nspawn's recorded PID.
machine_pid() {
  local nspawn child
  nspawn=$(lab_pid "$(pidfile_of "$1" machine)") || return 1
  child=$(awk '{print $1}' "/proc/$nspawn/task/$nspawn/children" 2>/dev/null)
  [[ -n $child ]] || return 1
  echo "$child"
}

# machine_cgroups HOST: make /kubelab-<host> in every hierarchy and print their cgroup.procs files. The machine's
# nspawn enters them before it execs (its cgroup namespace is rooted there), so all the machine's cgroups are
# under /kubelab-<host> and cgroups_down removes them (the host's PID 1 is no systemd: no machined, no scope).
machine_cgroups() {
  local m d
  for m in $(findmnt -rn -t cgroup,cgroup2 -o TARGET); do
    d=$m/kubelab-$1
    mkdir -p "$d" 2>/dev/null || continue
    if [[ -f $d/cpuset.cpus && ! -s $d/cpuset.cpus ]]; then cat "$m/cpuset.cpus" >"$d/cpuset.cpus"; cat "$m/cpuset.mems" >"$d/cpuset.mems"; fi
    echo "$d/cgroup.procs"
  done
}

# machine_in HOST COMMAND...: run COMMAND inside the machine: every namespace of its PID 1, its root, its
# environment's PATH (what `machinectl shell` gives, without machined).
machine_in() {
  local h=$1 pid; shift
  pid=$(machine_pid "$h") || { echo "lab: machine $h is not running" >&2; return 1; }
  nsenter --target "$pid" --mount --uts --ipc --net --pid --cgroup --root -- \
    /usr/bin/env -i -C /root TERM="${TERM:-xterm}" HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# machine_boot HOST: mount its root (overlay on the image), write its identity, boot it in its network namespace.
machine_boot() {
  local h=$1 root upper log pidf pid i nm
  log=$LOGS/$h/machine.log
  root=$(machine_root "$h"); upper=$(machine_upper "$h"); pidf=$(pidfile_of "$h" machine)
  if pid=$(lab_pid "$pidf"); then say "machine $h already running (nspawn pid $pid)"; return 0; fi
  mkdir -p "$root" "$upper/upper" "$upper/work" "$upper/containerd" "$LOGS/$h"
  mountpoint -q "$root" || run "$LOGS/lab/up.log" mount -t overlay "kubelab-$h" \
    -o "lowerdir=$MACHINE_IMAGE,upperdir=$upper/upper,workdir=$upper/work" "$root"
  echo "$h" >"$root/etc/hostname"
  { printf '127.0.0.1\tlocalhost\n'; for i in "${HOSTS[@]}"; do printf '%s\t%s\n' "${HOST_IP[$i]}" "$i"; done; } >"$root/etc/hosts"
  : >"$root/etc/resolv.conf"
  # nspawn mounts the legacy controller hierarchies read-only (only name=systemd is the machine's): runc and the
  # kubelet make cgroups in them, so the machine remounts them writable before its runtime starts.
  cat >"$root/etc/systemd/system/kubelab-cgroups-rw.service" <<'UNIT'
[Unit]
Description=kubelab machine: the cgroup controller hierarchies writable (for runc and the kubelet)
DefaultDependencies=no
Before=containerd.service docker.service kubelab-kubelet.service
After=local-fs.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for m in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$m" "$m"; done'
[Install]
WantedBy=sysinit.target
UNIT
  mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
  ln -sf ../kubelab-cgroups-rw.service "$root/etc/systemd/system/sysinit.target.wants/kubelab-cgroups-rw.service"
  # node_modules of this checkout may be a link (worktrees): its target is bound at the same path, read-only.
  nm=$(readlink -f "$repo/node_modules")
  local args=(--boot --directory="$root" --machine="$(machine_of "$h")" --hostname="$h"
    --register=no --keep-unit --console=passive --kill-signal=SIGRTMIN+3
    --network-namespace-path="/run/netns/$(ns_of "$h")" --resolv-conf=off --timezone=off --link-journal=no
    --private-users=no --capability=all --system-call-filter='@keyring bpf'
    --bind-ro="$repo:/kubelab" --bind-ro="$CFG:/kubelab-generated" --bind=/dev/fuse --bind-ro=/dev/kmsg
    --bind="$upper/containerd:/var/lib/containerd"
    --setenv=KUBELAB_LAB_DIR="$LAB")
  [[ $nm != "$repo/node_modules" ]] && args+=(--bind-ro="$nm:$nm")
  [[ $h == "$CP" && -d $LAB/images/kubelab ]] && args+=(--bind="$LAB/images:/var/lib/kubelab/images")
  # The lab's PID files name their process by the lab directory on its command line (lab_pid): --setenv names it.
  local procs; procs=$(machine_cgroups "$h" | paste -sd' ')
  # shellcheck disable=SC2016 # expanded by the inner bash
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0 setsid bash -c 'for f in $0; do echo $$ >"$f" || exit 125; done; exec systemd-nspawn "$@"' \
    "$procs" "${args[@]}" </dev/null >"$log" 2>&1 9<&- &
  pid=$!
  echo "$pid" >"$pidf"
  # Up: systemd inside reached its default target (is-system-running: running or degraded).
  local state=''
  for ((i = 0; i < 720; i++)); do
    state=$(machine_in "$h" systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
    kill -0 "$pid" 2>/dev/null || fail "systemd-nspawn for $h exited" "systemd-nspawn ${args[*]}" "$log"
    sleep 0.25
  done
  [[ $state == running || $state == degraded ]] || fail "machine $h did not boot within 180 s (state: ${state:-none})" "" "$log"
  say "machine $h booted ($state; nspawn pid $pid, init pid $(machine_pid "$h"), root $root)"
}

# machine_provision HOST: vagrant/provision/install.sh inside, as `vagrant up` runs it (log in $LOGS/<host>/provision.log).
machine_provision() {
  local h=$1
  run "$LOGS/$h/provision.log" machine_in "$h" env KUBELAB_GENERATED=/kubelab-generated KUBELAB_PREBUILT=1 \
    bash /kubelab/vagrant/provision/install.sh "$h" "${HOST_IP[$h]}" "${HOST_ROLE[$h]}" "$RUNTIME"
  say "$h provisioned by vagrant/provision/install.sh (log $LOGS/$h/provision.log)"
}

# machine_stop HOST: poweroff (SIGRTMIN+3 to nspawn: systemd stops its units), then SIGKILL after 20 s; unmount.
machine_stop() {
  local h=$1 pidf pid i root
  pidf=$(pidfile_of "$h" machine); root=$(machine_root "$h")
  if pid=$(lab_pid "$pidf"); then
    kill -TERM "$pid" 2>/dev/null || true   # nspawn passes --kill-signal (SIGRTMIN+3: poweroff) to systemd
    for ((i = 0; i < 80; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true; warn "machine $h did not power off in 20 s: killed nspawn (pid $pid)"
    fi
    say "machine $h powered off (nspawn pid $pid)"
  fi
  rm -f "$pidf"
  if mountpoint -q "$root" 2>/dev/null; then umount "$root" 2>/dev/null || umount -l "$root"; say "unmounted $root"; fi
}
