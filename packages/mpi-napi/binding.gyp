# The native half of mpi-napi. MPI flags come from the MPI compiler wrapper ($MPICC, else mpicc).
{
  "targets": [
    {
      "target_name": "mpi_napi",
      "sources": [
        "src/native/addon.cc",
        "src/native/alltoall.cc",
        "src/native/bcast.cc",
        "src/native/bytes.cc",
        "src/native/collectives.cc",
        "src/native/comm.cc",
        "src/native/errors.cc",
        "src/native/gather.cc",
        "src/native/init.cc",
        "src/native/p2p.cc",
        "src/native/pool.cc",
        "src/native/runner.cc",
        "src/native/scatter.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags": ["-O2", "<!@(node scripts/mpi-flags.mjs cflags)"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "libraries": ["<!@(node scripts/mpi-flags.mjs libs)"]
    }
  ]
}
