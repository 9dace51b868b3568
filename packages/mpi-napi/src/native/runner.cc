// Runs Ops: blocking on the JS thread, or spinning briefly and then on a libuv worker thread so
// a collective waiting for a slow rank never blocks the event loop.
#include <sched.h>

#include <chrono>

#include "op.h"

namespace mpinapi {

namespace {

void Deliver(Napi::Env env, Op& op, Napi::Function callback) {
  if (op.failure().failed()) {
    callback.Call({MakeMpiError(env, op.failure()).Value()});
    return;
  }
  Napi::Value result;
  try {
    result = op.Result(env);
  } catch (const Napi::Error& error) {
    callback.Call({error.Value()});
    return;
  }
  callback.Call({env.Null(), result});
}

class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Function callback, std::unique_ptr<Op> op)
      : Napi::AsyncWorker(callback, "mpi-napi:collective"), op_(std::move(op)) {}

  void Execute() override { op_->Finish(); }

  void OnOK() override {
    Napi::HandleScope scope(Env());
    Deliver(Env(), *op_, Callback().Value());
  }

 private:
  std::unique_ptr<Op> op_;
};

}  // namespace

Napi::Value RunSync(Napi::Env env, std::unique_ptr<Op> op) {
  op->Finish();
  if (op->failure().failed()) throw MakeMpiError(env, op->failure());
  return op->Result(env);
}

void RunAsync(Napi::Env env, std::unique_ptr<Op> op, Napi::Function callback) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::nanoseconds(GlobalSettings().spinNanos);
  const auto politeAfter = started + std::chrono::microseconds(50);
  for (;;) {
    Progress progress = op->Poll();
    if (progress == Progress::kDone) {
      Deliver(env, *op, callback);
      return;
    }
    const auto now = Clock::now();
    if (progress == Progress::kNeedsBlocking || now >= deadline) break;
    // Past a short busy spin, yield between polls: with more ranks than cores the rank we wait
    // for may need this very core.
    if (now >= politeAfter) sched_yield();
  }
  (new OpWorker(callback, std::move(op)))->Queue();
}

}  // namespace mpinapi
