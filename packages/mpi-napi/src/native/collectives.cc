// barrier, and reduce and allreduce of numbers and typed arrays: one nonblocking call each,
// completed by spinning or waiting.
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

// reduce (root >= 0) or allreduce (root < 0), of one double or of a typed array's elements.
class ReduceOp : public SingleRequestOp {
 public:
  ReduceOp(MPI_Comm comm, int root, bool receives, MPI_Datatype type, MPI_Op op)
      : comm_(comm), root_(root), receives_(receives), type_(type), op_(op) {}

  void SetNumber(double value) {
    number_ = value;
    send_ = &number_;
    recv_ = receives_ ? &result_ : nullptr;
    count_ = 1;
  }

  void SetArrays(void* send, void* recv, int count, size_t bytes) {
    send_ = send;
    recv_ = recv;
    count_ = count;
    bytes_ = bytes;
  }

  // A number for a number (null where it does not arrive), undefined for arrays (TS holds the result).
  Napi::Value Result(Napi::Env env) override {
    if (send_ != &number_) return env.Undefined();
    return receives_ ? Napi::Number::New(env, result_) : env.Null();
  }

 protected:
  bool Start() override {
    if (root_ < 0) {
      return Started(MPI_Iallreduce(send_, recv_, count_, type_, op_, comm_, &request_), "MPI_Iallreduce");
    }
    return Started(MPI_Ireduce(send_, recv_, count_, type_, op_, root_, comm_, &request_), "MPI_Ireduce");
  }

  bool MovingBulk() const override { return bytes_ >= kBulkBytes; }

 private:
  MPI_Comm comm_;
  int root_;
  bool receives_;
  MPI_Datatype type_;
  MPI_Op op_;
  double number_ = 0;
  double result_ = 0;
  void* send_ = nullptr;
  void* recv_ = nullptr;
  int count_ = 0;
  size_t bytes_ = 0;
};

std::unique_ptr<Op> MakeBarrier(const Napi::CallbackInfo& info) { return std::make_unique<BarrierOp>(CommArg(info)); }

// Arguments: handle, root (-1 for allreduce), receives, element type, op, value (a number or a
// Buffer over the array), result Buffer or null. Types and ops are indexes into these tables.
std::unique_ptr<Op> MakeReduce(const Napi::CallbackInfo& info) {
  static const MPI_Datatype types[] = {MPI_DOUBLE, MPI_FLOAT, MPI_INT32_T, MPI_UINT32_T, MPI_INT64_T};
  static const size_t sizes[] = {8, 4, 4, 4, 8};
  static const MPI_Op ops[] = {MPI_SUM, MPI_MAX, MPI_MIN, MPI_PROD, MPI_BAND, MPI_BOR, MPI_BXOR, MPI_LAND, MPI_LOR};
  const uint32_t type = info[3].As<Napi::Number>().Uint32Value();
  auto op = std::make_unique<ReduceOp>(CommArg(info), info[1].As<Napi::Number>().Int32Value(),
                                       info[2].As<Napi::Boolean>().Value(), types[type],
                                       ops[info[4].As<Napi::Number>().Uint32Value()]);
  if (info[5].IsNumber()) {
    op->SetNumber(info[5].As<Napi::Number>().DoubleValue());
    return op;
  }
  Napi::Buffer<uint8_t> send = info[5].As<Napi::Buffer<uint8_t>>();
  uint8_t* recv = nullptr;
  if (info[6].IsBuffer()) {
    Napi::Buffer<uint8_t> result = info[6].As<Napi::Buffer<uint8_t>>();
    recv = result.Data();
    op->KeepAlive(result);
  }
  op->KeepAlive(send);
  op->SetArrays(send.Data(), recv, static_cast<int>(send.Length() / sizes[type]), send.Length());
  return op;
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
  exports.Set("reduceSync", Napi::Function::New(env, Sync<MakeReduce>));
  exports.Set("reduceAsync", Napi::Function::New(env, Async<MakeReduce>));
}

}  // namespace mpinapi
