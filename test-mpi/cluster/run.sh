#!/usr/bin/env bash
# Several MPI hosts on one machine: each host is a network namespace (own address on a bridge this
# script creates), a UTS namespace (own hostname) and a mount namespace in which $NODE_LOCAL is a
# private directory of that host alone; $SHARED is one directory every host sees (standing in for
# NFS). COMMAND runs under mpirun with R ranks, R/H per host, MPI traffic over TCP between hosts.
#
#   test-mpi/cluster/run.sh --hosts H --ranks R [--mpi openmpi|mpich] [--timeout SEC] -- COMMAND [ARGS...]
#
# Ranks start in the caller's directory with the caller's environment plus NODE_LOCAL and SHARED.
# Exit status is the job's. Everything made here is removed on exit, error, timeout or Ctrl-C.
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

hosts=2
ranks=2
mpi=openmpi
timeout_s=900
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts=${2:?}; shift 2 ;;
    --ranks) ranks=${2:?}; shift 2 ;;
    --mpi) mpi=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
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

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (it creates network and mount namespaces)" >&2; exit 1; }
for tool in ip unshare nsenter timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: '$tool' is missing (apt-get install iproute2 util-linux coreutils)" >&2; exit 1; }
done
if [ "$mpi" = openmpi ]; then launcher=mpirun; else launcher=mpiexec.hydra; fi
command -v "$launcher" >/dev/null 2>&1 || {
  echo "run.sh: '$launcher' is missing (apt-get install $([ "$mpi" = openmpi ] && echo openmpi-bin || echo mpich))" >&2
  exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
id="dj$(printf '%04x' $((RANDOM % 65536)))"
work=$(mktemp -d "/tmp/dijitso-cluster-$id.XXXX")
chmod 755 "$work"
bridge="${id}br"
# A /24 in 10.244-254.x.0 no interface on this machine uses yet.
for _ in $(seq 50); do
  subnet="10.$((244 + RANDOM % 11)).$((1 + RANDOM % 254))"
  ip -o addr show | grep -q " ${subnet}\." || break
done

launcher_pid=
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  # The ranks and daemons first, then the launcher (timeout and its mpirun), then the plumbing.
  for i in $(seq "$hosts"); do
    for pid in $(ip netns pids "$id-h$i" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  if [ -n "$launcher_pid" ]; then
    pkill -9 -P "$launcher_pid" 2>/dev/null || true
    kill -9 "$launcher_pid" 2>/dev/null || true
  fi
  for i in $(seq "$hosts"); do
    ip netns delete "$id-h$i" 2>/dev/null || true
    ip link delete "${id}v$i" 2>/dev/null || true
  done
  ip link delete "$bridge" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
# The launcher runs in the background and we `wait` for it: bash runs these traps at once then,
# where a foreground command would defer them until it ended.
trap '[ -n "$launcher_pid" ] && kill -TERM "$launcher_pid" 2>/dev/null; exit 130' INT
trap '[ -n "$launcher_pid" ] && kill -TERM "$launcher_pid" 2>/dev/null; exit 143' TERM HUP

ip link add "$bridge" type bridge
ip addr add "$subnet.254/24" dev "$bridge"
ip link set "$bridge" up
mkdir -p "$work/shared" "$work/node-local"
chmod 700 "$work/shared" "$work/node-local"
host_list=()
for i in $(seq "$hosts"); do
  ns="$id-h$i"
  ip netns add "$ns"
  ip link add "${id}v$i" type veth peer name eth0 netns "$ns"
  ip link set "${id}v$i" master "$bridge" up
  ip -n "$ns" addr add "$subnet.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  mkdir -p "$work/hosts/h$i"
  chmod 700 "$work/hosts/h$i"
  host_list+=("$subnet.$i:$((ranks / hosts))")
done

# The agent mpirun uses instead of ssh: it enters the namespaces of the host with that address.
cat >"$work/agent" <<AGENT
#!/usr/bin/env bash
# Called as: agent [ssh options...] HOST COMMAND...
while [ \$# -gt 0 ]; do case "\$1" in -x|-n|-q|-T|-tt|-t) shift ;; -o|-p|-l) shift 2 ;; *) break ;; esac; done
host=\$1; shift
index=\${host##*.}
exec ip netns exec "$id-h\$index" unshare --uts --mount --propagation private \\
  sh -c 'hostname "$id-h\$0" && mount --bind "$work/hosts/h\$0" "$work/node-local" && exec /bin/sh -c "\$*"' "\$index" "\$@"
AGENT
chmod 755 "$work/agent"

export NODE_LOCAL="$work/node-local" SHARED="$work/shared"
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
