// Module entry: each concern registers its functions.
#include "common.h"

namespace mpinapi {

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  InitErrors(env, exports);
  InitEnvironment(env, exports);
  InitComm(env, exports);
  InitBcast(env, exports);
  InitCollectives(env, exports);
  InitGather(env, exports);
  InitScatter(env, exports);
  InitAlltoall(env, exports);
  InitP2p(env, exports);
  return exports;
}

}  // namespace mpinapi

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return mpinapi::InitModule(env, exports); }

NODE_API_MODULE(mpi_napi, InitAddon)
