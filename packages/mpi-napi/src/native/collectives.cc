// barrier and allreduce on numbers: one nonblocking call each, completed by spinning or waiting.
#include "op.h"

namespace mpinapi {

namespace {

// One nonblocking call and its completion.
class SingleRequestOp : public Op {
 public:
  Progress Poll() override {
    if (!started_) {
      started_ = true;
      if (!Start()) return Progress::kDone;
    }
    return RequestDone() ? Progress::kDone : Progress::kPending;
  }

 protected:
  virtual bool Start() = 0;

 private:
  bool started_ = false;
};

class BarrierOp : public SingleRequestOp {
 public:
  explicit BarrierOp(MPI_Comm comm) : comm_(comm) {}
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 protected:
  bool Start() override { return Started(MPI_Ibarrier(comm_, &request_), "MPI_Ibarrier"); }

 private:
  MPI_Comm comm_;
};

class AllreduceOp : public SingleRequestOp {
 public:
  AllreduceOp(MPI_Comm comm, double value, MPI_Op op) : comm_(comm), value_(value), op_(op) {}
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, result_); }

 protected:
  bool Start() override {
    return Started(MPI_Iallreduce(&value_, &result_, 1, MPI_DOUBLE, op_, comm_, &request_), "MPI_Iallreduce");
  }

 private:
  MPI_Comm comm_;
  double value_;
  double result_ = 0;
  MPI_Op op_;
};

MPI_Comm CommArg(const Napi::CallbackInfo& info) {
  return CommFromHandle(info[0].As<Napi::Number>().Uint32Value());
}

std::unique_ptr<Op> MakeBarrier(const Napi::CallbackInfo& info) { return std::make_unique<BarrierOp>(CommArg(info)); }

// Arguments: handle, value, op (0 sum, 1 max, 2 min).
std::unique_ptr<Op> MakeAllreduce(const Napi::CallbackInfo& info) {
  static const MPI_Op ops[] = {MPI_SUM, MPI_MAX, MPI_MIN};
  double value = info[1].As<Napi::Number>().DoubleValue();
  return std::make_unique<AllreduceOp>(CommArg(info), value, ops[info[2].As<Napi::Number>().Uint32Value()]);
}

template <std::unique_ptr<Op> (*Make)(const Napi::CallbackInfo&)>
Napi::Value Sync(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), Make(info));
}

// The callback is the last argument.
template <std::unique_ptr<Op> (*Make)(const Napi::CallbackInfo&)>
Napi::Value Async(const Napi::CallbackInfo& info) {
  RunAsync(info.Env(), Make(info), info[info.Length() - 1].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void InitCollectives(Napi::Env env, Napi::Object exports) {
  exports.Set("barrierSync", Napi::Function::New(env, Sync<MakeBarrier>));
  exports.Set("barrierAsync", Napi::Function::New(env, Async<MakeBarrier>));
  exports.Set("allreduceSync", Napi::Function::New(env, Sync<MakeAllreduce>));
  exports.Set("allreduceAsync", Napi::Function::New(env, Async<MakeAllreduce>));
}

}  // namespace mpinapi
