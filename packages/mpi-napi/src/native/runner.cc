// Runs Ops: blocking on the JS thread, or waiting there briefly and then on a libuv worker thread
// so a collective waiting for a slow rank never blocks the event loop.
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

// Small collectives usually complete within the spin: finishing them here saves the two
// cross-thread wake-ups of a worker, which cost most when ranks outnumber cores.
void RunAsync(Napi::Env env, std::unique_ptr<Op> op, Napi::Function callback) {
  const auto deadline = Clock::now() + GlobalSettings().spin;
  for (;;) {
    Progress progress = op->Poll();
    if (progress == Progress::kDone) {
      Deliver(env, *op, callback);
      return;
    }
    if (progress == Progress::kNeedsBlocking || !op->Wait(deadline)) break;
  }
  (new OpWorker(callback, std::move(op)))->Queue();
}

}  // namespace mpinapi
