#!/usr/bin/env bash
# Container entry point: `serve` runs sshd for mpirun to reach; `launch` waits for the other hosts
# and runs the cluster suite (the same test-mpi/cluster/suite.mjs that run.sh drives) over them.
set -euo pipefail
cd /opt/dijitso
case "${1:-serve}" in
  serve)
    exec /usr/sbin/sshd -D -e
    ;;
  launch)
    /usr/sbin/sshd
    read -r -a hosts <<<"${CLUSTER_HOSTS:?}"
    for host in "${hosts[@]}"; do
      for _ in $(seq 60); do nc -z "$host" 22 && break; sleep 1; done
    done
    per_host=${RANKS_PER_HOST:-2}
    host_list=$(printf '%s:'"$per_host"',' "${hosts[@]}")
    exec mpirun --allow-run-as-root --oversubscribe -np $((per_host * ${#hosts[@]})) \
      --host "${host_list%,}" --map-by slot --mca btl self,tcp --mca pml ob1 \
      -x NODE_LOCAL -x SHARED -x PATH \
      node test-mpi/cluster/suite.mjs
    ;;
  *)
    exec "$@"
    ;;
esac
