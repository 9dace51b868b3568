// A collective as a resumable state machine, so one implementation serves three callers: the
// sync variants (Finish on the JS thread), the async fast path (Poll on the JS thread for a short
// spin) and the async slow path (Finish on a libuv worker thread).
//
// MPI never matches a blocking collective with a nonblocking one, so which family a step uses
// must not depend on timing or on the variant called: every step is nonblocking (MPI_I*) and
// only waiting differs, except steps whose choice every rank derives from the same data.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "backoff.h"
#include "common.h"

namespace mpinapi {

enum class Progress { kDone, kPending, kNeedsBlocking };

// A request moving at least this many bytes per rank is waited for without sleeping: Open MPI
// progresses a nonblocking collective only inside MPI calls, and sleeps of up to 1 ms between
// them took a 64 MiB bcast at 2 ranks from 15 GB/s to 0.1 GB/s.
constexpr size_t kBulkBytes = 64 * 1024;

class Op {
 public:
  virtual ~Op() = default;
  // Advance without blocking: kDone (success or failure), kPending (request_ in flight) or
  // kNeedsBlocking (the next step is a blocking call, see BlockingStep).
  virtual Progress Poll() = 0;
  // Build the JS result on the JS thread; only called when the op succeeded.
  virtual Napi::Value Result(Napi::Env env) = 0;

  // Complete from the current state, blocking as needed. Runs on the JS thread or a worker.
  void Finish() {
    while (!failure_.failed()) {
      Progress progress = Poll();
      if (progress == Progress::kDone) return;
      if (progress == Progress::kPending) {
        Wait(Clock::time_point::max());
      } else {
        BlockingStep();
      }
    }
  }

  // Skips KeepAlive for calls that complete before returning to JS (their arguments stay alive).
  void SetSynchronous() { synchronous_ = true; }

  // Polls request_ until it completes (true) or the deadline passes (false). A wait handed from
  // the JS thread to a worker keeps its Backoff; each new request starts a fresh one.
  bool Wait(Clock::time_point deadline) {
    if (newRequest_) {
      const Settings& settings = GlobalSettings();
      backoff_ = Backoff(settings.spin, MovingBulk() ? std::chrono::nanoseconds::zero() : settings.backoffMax);
      newRequest_ = false;
    }
    while (!Ready()) {
      if (Clock::now() >= deadline) return false;
      backoff_.Pause();
    }
    return true;
  }

  const MpiFailure& failure() const { return failure_; }
  // Keeps a Buffer the op reads or writes alive (and unmoved) until the op is destroyed.
  void KeepAlive(Napi::Object object) {
    if (!synchronous_) keepAlive_.push_back(Napi::Persistent(object));
  }

 protected:
  virtual void BlockingStep() {}
  // True when the step Poll returned kPending for can go on; most steps wait for request_, a
  // probe waits for a message to arrive.
  virtual bool Ready() { return RequestDone(); }
  // True while the request in flight moves bulk data (see kBulkBytes).
  virtual bool MovingBulk() const { return false; }

  // Records the first failure; returns true when code is an error.
  bool Failed(int code, const char* function) {
    if (code == MPI_SUCCESS) return false;
    if (!failure_.failed()) failure_ = MpiFailure{code, function};
    return true;
  }
  // Records the nonblocking call that owns request_; returns true when it started.
  bool Started(int code, const char* function) {
    requestFunction_ = function;
    newRequest_ = true;
    return !Failed(code, function);
  }
  // True when request_ completed (a request completed by MPI_Wait is MPI_REQUEST_NULL) or failed.
  bool RequestDone() {
    int done = 0;
    if (Failed(MPI_Test(&request_, &done, MPI_STATUS_IGNORE), requestFunction_)) return true;
    return done != 0;
  }

  MpiFailure failure_;
  MPI_Request request_ = MPI_REQUEST_NULL;
  const char* requestFunction_ = "MPI_Test";

 private:
  Backoff backoff_{std::chrono::nanoseconds::zero(), std::chrono::nanoseconds::zero()};
  bool newRequest_ = true;
  std::vector<Napi::ObjectReference> keepAlive_;
  bool synchronous_ = false;
};

// Blocking completion on the JS thread; throws MpiError-shaped errors.
Napi::Value RunSync(Napi::Env env, std::unique_ptr<Op> op);
// Waits on the JS thread for the spin budget, then hands off to a worker thread.
// callback(error, result) is called exactly once, possibly before RunAsync returns.
void RunAsync(Napi::Env env, std::unique_ptr<Op> op, Napi::Function callback);

// The communicator of a call whose first argument is its handle.
inline MPI_Comm CommArg(const Napi::CallbackInfo& info) {
  return CommFromHandle(info[0].As<Napi::Number>().Uint32Value());
}

// The native functions of an Op that `Make` builds from a call's arguments: the blocking form,
// and the async one, whose callback is the last argument.
template <std::unique_ptr<Op> (*Make)(const Napi::CallbackInfo&, bool)>
Napi::Value SyncCall(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), Make(info, true));
}

template <std::unique_ptr<Op> (*Make)(const Napi::CallbackInfo&, bool)>
Napi::Value AsyncCall(const Napi::CallbackInfo& info) {
  RunAsync(info.Env(), Make(info, false), info[info.Length() - 1].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace mpinapi
