#!/usr/bin/env bash
# Several MPI hosts on one machine: each host is a network namespace (own address on a bridge this
# script creates), a UTS namespace (own hostname) and a mount namespace in which $NODE_LOCAL is a
# private directory of that host alone; $SHARED is one directory every host sees, at the same path.
# COMMAND runs under mpirun with R ranks, R/H per host, MPI traffic over TCP between hosts.
#
#   test-mpi/cluster/run.sh --hosts H --ranks R [--mpi openmpi|mpich] [--timeout SEC]
#       [--shared-fs bind|sshfs] [--fs-cache off|default|nfs-like] [--shared-dir DIR] -- COMMAND [ARGS...]
#
# --shared-fs bind (default): every host sees this machine's directory itself (one coherent cache).
# --shared-fs sshfs: a network file system. An sshd in a namespace of its own on the bridge exports
#   the directory, with a key pair made for this run; each host mounts it once, at the same path.
# --fs-cache (sshfs only) sets the client caches of every mount:
#   off       none (dir_cache=no; entry_timeout, attr_timeout and negative_timeout 0)
#   default   sshfs's own (listings and attributes 20 s; names and attributes 1 s in the kernel)
#   nfs-like  listings, attributes, names and "not found" answers all kept 30 s, like NFS
# --shared-dir DIR: the directory behind $SHARED (made when missing) and kept after the run, so
#   that several runs, even at once, share one cache. Default: a new directory, removed at exit.
#
# Ranks start in the caller's directory with the caller's environment plus NODE_LOCAL and SHARED.
# Exit status is the job's. Everything made here is removed on exit, error, timeout or Ctrl-C,
# except the --shared-dir directory.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

hosts=2
ranks=2
mpi=openmpi
timeout_s=900
shared_fs=bind
fs_cache=
shared_dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts=${2:?}; shift 2 ;;
    --ranks) ranks=${2:?}; shift 2 ;;
    --mpi) mpi=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --shared-fs) shared_fs=${2:?}; shift 2 ;;
    --fs-cache) fs_cache=${2:?}; shift 2 ;;
    --shared-dir) shared_dir=${2:?}; shift 2 ;;
    --) shift; break ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done
[ $# -gt 0 ] || { echo "run.sh: no COMMAND after --" >&2; usage; }
[[ $hosts =~ ^[1-9][0-9]?$ ]] && [ "$hosts" -le 32 ] || { echo "run.sh: --hosts must be 1..32, not $hosts" >&2; exit 2; }
[[ $ranks =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --ranks must be a positive integer, not $ranks" >&2; exit 2; }
[ $((ranks % hosts)) -eq 0 ] || { echo "run.sh: --ranks ($ranks) must be a multiple of --hosts ($hosts)" >&2; exit 2; }
case "$mpi" in openmpi | mpich) ;; *) echo "run.sh: --mpi must be openmpi or mpich, not $mpi" >&2; exit 2 ;; esac
case "$shared_fs" in bind | sshfs) ;; *) echo "run.sh: --shared-fs must be bind or sshfs, not $shared_fs" >&2; exit 2 ;; esac
if [ "$shared_fs" = bind ] && [ -n "$fs_cache" ]; then
  echo "run.sh: --fs-cache applies to --shared-fs sshfs only" >&2
  exit 2
fi
fs_cache=${fs_cache:-default}
# The mount options of each cache mode: sshfs's own directory cache, then the kernel's (FUSE) caches.
case "$fs_cache" in
  off) sshfs_options=(-o dir_cache=no,entry_timeout=0,attr_timeout=0,negative_timeout=0) ;;
  default) sshfs_options=() ;;
  nfs-like)
    sshfs_options=(-o dir_cache=yes,dcache_timeout=30,dcache_dir_timeout=30,dcache_stat_timeout=30,dcache_link_timeout=30
      -o entry_timeout=30,attr_timeout=30,negative_timeout=30)
    ;;
  *) echo "run.sh: --fs-cache must be off, default or nfs-like, not $fs_cache" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (it creates network and mount namespaces)" >&2; exit 1; }
for tool in ip unshare nsenter timeout findmnt; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: '$tool' is missing (apt-get install iproute2 util-linux coreutils)" >&2; exit 1; }
done
if [ "$mpi" = openmpi ]; then launcher=mpirun; else launcher=mpiexec.hydra; fi
command -v "$launcher" >/dev/null 2>&1 || {
  echo "run.sh: '$launcher' is missing (apt-get install $([ "$mpi" = openmpi ] && echo openmpi-bin || echo mpich))" >&2
  exit 1
}
if [ "$shared_fs" = sshfs ]; then
  missing=()
  command -v sshfs >/dev/null 2>&1 || missing+=(sshfs)
  { [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null 2>&1; } || missing+=(openssh-server)
  [ -c /dev/fuse ] || { echo "run.sh: --shared-fs sshfs needs FUSE, and /dev/fuse is missing" >&2; exit 1; }
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "run.sh: --shared-fs sshfs needs ${missing[*]} (apt-get install sshfs openssh-server)" >&2
    exit 1
  fi
fi

id="dj$(printf '%04x' $((RANDOM % 65536)))"
work=$(mktemp -d "/tmp/dijitso-cluster-$id.XXXX")
chmod 755 "$work"
bridge="${id}br"
server_ns="$id-srv"
# A /24 in 10.244-254.x.0 no interface on this machine uses yet.
for _ in $(seq 50); do
  subnet="10.$((244 + RANDOM % 11)).$((1 + RANDOM % 254))"
  ip -o addr show | grep -q " ${subnet}\." || break
done
server_addr="$subnet.253"

launcher_pid=
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  # FUSE mounts first, detached while their hosts' namespaces still exist.
  if [ "$shared_fs" = sshfs ]; then
    for i in $(seq "$hosts"); do
      [ -s "$work/hosts/h$i.pid" ] || continue
      timeout 5 nsenter --target "$(cat "$work/hosts/h$i.pid")" --mount -- umount -l "${SHARED:?}" 2>/dev/null || true
    done
  fi
  # The ranks, daemons and sshd, then the launcher (timeout and its mpirun), then the plumbing.
  for ns in $(seq -f "$id-h%g" "$hosts") "$server_ns"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  if [ -n "$launcher_pid" ]; then
    pkill -9 -P "$launcher_pid" 2>/dev/null || true
    kill -9 "$launcher_pid" 2>/dev/null || true
  fi
  for i in $(seq "$hosts"); do
    ip netns delete "$id-h$i" 2>/dev/null || true
    ip link delete "${id}v$i" 2>/dev/null || true
  done
  ip netns delete "$server_ns" 2>/dev/null || true
  ip link delete "${id}vs" 2>/dev/null || true
  ip link delete "$bridge" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
# The launcher runs in the background and we `wait` for it: bash runs these traps at once then,
# where a foreground command would defer them until it ended.
trap '[ -n "$launcher_pid" ] && kill -TERM "$launcher_pid" 2>/dev/null; exit 130' INT
trap '[ -n "$launcher_pid" ] && kill -TERM "$launcher_pid" 2>/dev/null; exit 143' TERM HUP

if [ -n "$shared_dir" ]; then
  [ -d "$shared_dir" ] || mkdir -p -m 700 "$shared_dir"
  SHARED=$(cd "$shared_dir" && pwd -P)
else
  SHARED="$work/shared"
  mkdir -m 700 "$SHARED"
fi
NODE_LOCAL="$work/node-local"
mkdir -m 700 "$NODE_LOCAL" "$work/hosts"

ip link add "$bridge" type bridge
ip addr add "$subnet.254/24" dev "$bridge"
ip link set "$bridge" up
attach() { # NAMESPACE VETH ADDRESS: a namespace on the bridge
  ip netns add "$1"
  ip link add "$2" type veth peer name eth0 netns "$1"
  ip link set "$2" master "$bridge" up
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" link set lo up
}

if [ "$shared_fs" = sshfs ]; then
  # The file server: an sshd of this run alone, public-key only, on its own address, serving sftp.
  ssh_dir="$work/ssh"
  mkdir -m 700 "$ssh_dir"
  ssh-keygen -q -t ed25519 -N '' -C "$id host key" -f "$ssh_dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -C "$id client key" -f "$ssh_dir/client_key"
  cp "$ssh_dir/client_key.pub" "$ssh_dir/authorized_keys"
  echo "$id-server $(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")" >"$ssh_dir/known_hosts"
  cat >"$ssh_dir/sshd_config" <<CONFIG
ListenAddress $server_addr:22
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
# The key files lie under /tmp, which is world-writable: StrictModes would refuse every key.
StrictModes no
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers root
UsePAM no
UseDNS no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
Subsystem sftp internal-sftp
ForceCommand internal-sftp
MaxStartups 100
LogLevel ERROR
CONFIG
  cat >"$ssh_dir/ssh_config" <<CONFIG
Host $id-server
  HostName $server_addr
  User root
  IdentityFile $ssh_dir/client_key
  IdentitiesOnly yes
  HostKeyAlias $id-server
  UserKnownHostsFile $ssh_dir/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  ConnectTimeout 10
  ServerAliveInterval 15
CONFIG
  attach "$server_ns" "${id}vs" "$server_addr"
  # sshd needs its privilege separation directory /run/sshd: a private /run holds it.
  ip netns exec "$server_ns" unshare --mount --propagation private -- \
    sh -c 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$0"' \
    "$ssh_dir/sshd_config" >"$ssh_dir/sshd.log" 2>&1 &
  sshd_pid=$!
  disown "$sshd_pid" # killed by cleanup, not reported by bash
  deadline=$((SECONDS + 10))
  until [ -s "$ssh_dir/sshd.pid" ]; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$sshd_pid" 2>/dev/null; then
      echo "run.sh: the sshd of $server_addr did not start:" >&2
      sed 's/^/  /' "$ssh_dir/sshd.log" >&2
      exit 1
    fi
    sleep 0.05
  done
fi

# What a host runs in its new UTS and mount namespaces: name it, mount its directories, then hold
# the namespaces open. mpirun's agent enters them, so all ranks of a host share that host's mounts.
cat >"$work/host-init" <<'INIT'
#!/usr/bin/env bash
# Called as: host-init NAME PID_FILE NODE_LOCAL_SOURCE NODE_LOCAL SHARED [SSHFS ARGS...]
set -euo pipefail
name=$1 pid_file=$2 node_local_source=$3 node_local=$4 shared=$5
shift 5
hostname "$name"
mount --bind "$node_local_source" "$node_local"
if [ $# -gt 0 ]; then
  sshfs "$@" "$shared"
  fstype=$(findmnt -n -o FSTYPE --mountpoint "$shared" || true)
  [ "$fstype" = fuse.sshfs ] || { echo "$name: $shared is ${fstype:-not a mount point}, not fuse.sshfs" >&2; exit 1; }
fi
echo "$$" >"$pid_file.tmp"
mv "$pid_file.tmp" "$pid_file"
exec sleep infinity
INIT
host_list=()
host_pids=()
for i in $(seq "$hosts"); do
  ns="$id-h$i"
  attach "$ns" "${id}v$i" "$subnet.$i"
  mkdir -m 700 "$work/hosts/h$i"
  mount_args=()
  if [ "$shared_fs" = sshfs ]; then
    mount_args=(-F "$ssh_dir/ssh_config" "${sshfs_options[@]}" "$id-server:$SHARED")
  fi
  ip netns exec "$ns" unshare --uts --mount --propagation private -- \
    bash "$work/host-init" "$ns" "$work/hosts/h$i.pid" "$work/hosts/h$i" "$NODE_LOCAL" "$SHARED" "${mount_args[@]}" \
    >"$work/hosts/h$i.log" 2>&1 &
  host_pids+=("$!")
  disown "$!"
  host_list+=("$subnet.$i:$((ranks / hosts))")
done
deadline=$((SECONDS + 30))
for i in $(seq "$hosts"); do
  until [ -s "$work/hosts/h$i.pid" ]; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "${host_pids[i - 1]}" 2>/dev/null; then
      echo "run.sh: host $id-h$i could not be set up:" >&2
      sed 's/^/  /' "$work/hosts/h$i.log" >&2
      if [ "$shared_fs" = sshfs ] && [ -s "$ssh_dir/sshd.log" ]; then
        echo "run.sh: the log of the sshd of $server_addr:" >&2
        sed 's/^/  /' "$ssh_dir/sshd.log" >&2
      fi
      exit 1
    fi
    sleep 0.05
  done
done

# The agent mpirun uses instead of ssh: it enters the namespaces of the host with that address.
cat >"$work/agent" <<AGENT
#!/usr/bin/env bash
# Called as: agent [ssh options...] HOST COMMAND...
while [ \$# -gt 0 ]; do case "\$1" in -x|-n|-q|-T|-tt|-t) shift ;; -o|-p|-l) shift 2 ;; *) break ;; esac; done
host=\$1; shift
exec nsenter --target "\$(cat "$work/hosts/h\${host##*.}.pid")" --net --uts --mount --wd="\$PWD" -- /bin/sh -c "\$*"
AGENT
chmod 755 "$work/agent"

export NODE_LOCAL SHARED
hosts_csv=$(IFS=,; echo "${host_list[*]}")
status=0
if [ "$mpi" = openmpi ]; then
  timeout --kill-after=10 "$timeout_s" mpirun --allow-run-as-root --oversubscribe -np "$ranks" \
    --host "$hosts_csv" --map-by slot \
    --mca plm_rsh_agent "$work/agent" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl self,tcp --mca oob_tcp_if_include "$subnet.0/24" --mca btl_tcp_if_include "$subnet.0/24" \
    --mca pml ob1 --mca orte_keep_fqdn_hostnames 1 \
    -x NODE_LOCAL -x SHARED -x PATH "$@" &
else
  # Hosts have distinct hostnames, so MPICH treats them as remote; its UCX layer may still pick a
  # shared-memory transport between namespaces of one machine (UCX_TLS=tcp,self hangs in finalize).
  timeout --kill-after=10 "$timeout_s" mpiexec.hydra -n "$ranks" -hosts "$hosts_csv" \
    -launcher ssh -launcher-exec "$work/agent" -iface "$bridge" \
    -genv NODE_LOCAL "$NODE_LOCAL" -genv SHARED "$SHARED" "$@" &
fi
launcher_pid=$!
wait "$launcher_pid" || status=$?
launcher_pid=
[ "$status" = 124 ] && echo "run.sh: the job did not finish within ${timeout_s}s and was killed" >&2
exit "$status"
