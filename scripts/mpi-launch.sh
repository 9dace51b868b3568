# Sourced by the scripts that start MPI jobs: sets MPI_LAUNCH (an array) to the launcher with the
# flags this machine needs. Open MPI as root needs --allow-run-as-root; --oversubscribe lets a job
# have more ranks than cores; cross-memory attach is not permitted in most containers.
# Usage: source scripts/mpi-launch.sh; "${MPI_LAUNCH[@]}" -n 4 node app.mjs
MPI_LAUNCHER="${MPI_TEST_LAUNCHER:-mpirun}"
MPI_LAUNCH=("$MPI_LAUNCHER")
if "$MPI_LAUNCHER" --version 2>&1 | grep -q 'Open MPI'; then
  [ "$(id -u)" = 0 ] && MPI_LAUNCH+=(--allow-run-as-root)
  MPI_LAUNCH+=(--oversubscribe)
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
fi
