// Shared declarations of the mpi-napi addon. The TypeScript layer validates every argument
// before calling in, so the native side trusts its inputs and only does MPI and buffers.
#pragma once

#include <mpi.h>
#include <napi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mpinapi {

// A failed MPI call: the return code and the name of the MPI function that produced it.
struct MpiFailure {
  int code = MPI_SUCCESS;
  const char* function = nullptr;
  bool failed() const { return code != MPI_SUCCESS; }
};

// errors.cc: a JS Error carrying mpiErrorClass, mpiErrorCode and mpiFunction; TS wraps it as MpiError.
Napi::Error MakeMpiError(Napi::Env env, const MpiFailure& failure);
void ThrowIfFailed(Napi::Env env, int code, const char* function);
std::string ErrorString(int code);
int ErrorClass(int code);

// comm.cc: communicators live in a table on the JS thread; JS holds the index.
MPI_Comm CommFromHandle(uint32_t handle);
uint32_t AddComm(MPI_Comm comm);
void RemoveComm(uint32_t handle);
void ResetCommTable();

// pool.cc: receive memory, recycled when the Buffer that wraps it is collected.
struct Block;
Block* AcquireBlock(size_t bytes);
uint8_t* BlockData(Block* block);
void ReleaseBlock(Block* block);
Napi::Buffer<uint8_t> WrapBlock(Napi::Env env, Block* block, size_t length);
// { lengths, data } of a call that received several messages into one block: data is the block
// (handed over to the Buffer, so *block becomes null), or an empty Buffer when nothing came.
Napi::Object LengthsAndData(Napi::Env env, const std::vector<size_t>& lengths, Block** block, size_t total);

// Tunables, set by configure() from environment.ts (which holds the defaults) before any
// collective runs. Each rank's own: none has to agree across ranks.
struct Settings {
  std::chrono::nanoseconds spin{0};       // how long a wait polls, on the JS thread if async
  std::chrono::nanoseconds backoffMax{0}; // the longest sleep between polls (see Backoff)
  size_t poolLimitBytes = size_t{1} << 30;
};
Settings& GlobalSettings();

// Module sections, one per concern.
void InitErrors(Napi::Env env, Napi::Object exports);
void InitEnvironment(Napi::Env env, Napi::Object exports);
void InitComm(Napi::Env env, Napi::Object exports);
void InitBcast(Napi::Env env, Napi::Object exports);
void InitCollectives(Napi::Env env, Napi::Object exports);
void InitGather(Napi::Env env, Napi::Object exports);
void InitScatter(Napi::Env env, Napi::Object exports);
void InitAlltoall(Napi::Env env, Napi::Object exports);
void InitP2p(Napi::Env env, Napi::Object exports);

}  // namespace mpinapi
