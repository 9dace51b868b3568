// A collective as a resumable state machine, so one implementation serves three callers: the
// sync variants (Finish on the JS thread), the async fast path (Poll on the JS thread for a short
// spin) and the async slow path (Finish on a libuv worker thread).
//
// MPI never matches a blocking collective with a nonblocking one, so which family a step uses
// must not depend on timing or on the variant called: every step is nonblocking (MPI_I*) and
// only waiting differs, except steps whose choice every rank derives from the same data.
#pragma once

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "common.h"

namespace mpinapi {

enum class Progress { kDone, kPending, kNeedsBlocking };

// A request moving at least this many bytes per rank needs polling to keep its bandwidth.
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
        WaitPolitely();
      } else {
        BlockingStep();
      }
    }
  }

  // Skips KeepAlive for calls that complete before returning to JS (their arguments stay alive).
  void SetSynchronous() { synchronous_ = true; }

  const MpiFailure& failure() const { return failure_; }
  // Keeps a Buffer the op reads or writes alive (and unmoved) until the op is destroyed.
  void KeepAlive(Napi::Object object) {
    if (!synchronous_) keepAlive_.push_back(Napi::Persistent(object));
  }

 protected:
  virtual void BlockingStep() {}
  // True while the request in flight moves bulk data (see kBulkBytes); small ones may nap.
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
  // MPI_Wait busy-polls; on a machine with fewer cores than busy threads (ranks plus our worker)
  // that starves the very ranks we wait for. Poll, and yield the core once the wait is long.
  // A small message still pending after napAfter waits for a rank that is busy elsewhere (a
  // compile, a late start): nap between polls, so the CPU goes to that rank. Bulk transfers never
  // nap: Open MPI progresses a nonblocking collective only inside MPI calls, and pauses of even
  // 1 ms cut a 16 MiB broadcast's bandwidth twentyfold.
  void WaitPolitely() {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    const auto politeAfter = started + std::chrono::microseconds(50);
    const auto napAfter = started + std::chrono::nanoseconds(GlobalSettings().napAfterNanos);
    const long napMaxNanos = static_cast<long>(GlobalSettings().napMaxNanos);
    long napNanos = 20000;
    while (!RequestDone()) {
      const auto now = Clock::now();
      if (now < politeAfter) continue;
      if (now < napAfter || MovingBulk()) {
        sched_yield();
        continue;
      }
      // Naps double from 20 us up to 500 us, or up to 1/32 of the wait so far once that is more,
      // within napMax: a rank that waits out a compile then polls a few hundred times a second
      // instead of thousands, and is late by at most ~3% of its wait.
      const timespec nap{0, napNanos};
      nanosleep(&nap, nullptr);
      const long waited = std::chrono::duration_cast<std::chrono::nanoseconds>(now - started).count();
      const long cap = std::max(500000L, std::min(waited / 32, napMaxNanos));
      napNanos = std::min(napNanos * 2, cap);
    }
  }

  std::vector<Napi::ObjectReference> keepAlive_;
  bool synchronous_ = false;
};

// Blocking completion on the JS thread; throws MpiError-shaped errors.
Napi::Value RunSync(Napi::Env env, std::unique_ptr<Op> op);
// Spins on Poll for the configured budget, then hands off to a worker thread.
// callback(error, result) is called exactly once, possibly before RunAsync returns.
void RunAsync(Napi::Env env, std::unique_ptr<Op> op, Napi::Function callback);

}  // namespace mpinapi
