// Point-to-point: send, receive (of a message whose size only the sender knows) and probe. A
// receive matches with MPI_Improbe and then receives that very message with MPI_Imrecv, so it
// learns the size first and no other receive, on any thread, can take the message in between.
// A receive or probe writes the message's source and tag into the caller's Int32Array instead of
// returning an object: building { data, source, tag } through N-API took a third of a receive.
#include "bytes.h"
#include "op.h"

namespace mpinapi {

namespace {

// The byte size of the message a status describes.
bool MessageBytes(const MPI_Status& status, size_t* bytes) {
  MPI_Count count = 0;
  if (MPI_Get_elements_x(&status, MPI_BYTE, &count) != MPI_SUCCESS || count < 0) return false;
  *bytes = static_cast<size_t>(count);
  return true;
}

class SendOp : public Op {
 public:
  SendOp(MPI_Comm comm, const uint8_t* data, size_t length, int dest, int tag)
      : comm_(comm), data_(data), length_(length), dest_(dest), tag_(tag) {}

  Progress Poll() override {
    if (!started_) {
      started_ = true;
      if (Failed(type_.Build(length_), "MPI_Type_create_struct")) return Progress::kDone;
      if (!Started(MPI_Isend(data_, type_.count(), type_.type(), dest_, tag_, comm_, &request_), "MPI_Isend")) {
        return Progress::kDone;
      }
    }
    return RequestDone() ? Progress::kDone : Progress::kPending;
  }

  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 protected:
  bool MovingBulk() const override { return length_ >= kBulkBytes; }

 private:
  MPI_Comm comm_;
  const uint8_t* data_;
  size_t length_;
  int dest_;
  int tag_;
  ByteType type_;
  bool started_ = false;
};

// Where a receive or probe reports the envelope of its message: [source, tag].
class Envelope {
 public:
  explicit Envelope(Napi::Int32Array array) : data_(array.Data()) {}
  void Write(const MPI_Status& status) {
    data_[0] = status.MPI_SOURCE;
    data_[1] = status.MPI_TAG;
  }

 private:
  int32_t* data_;
};

class RecvOp : public Op {
 public:
  RecvOp(MPI_Comm comm, int source, int tag, Envelope envelope)
      : comm_(comm), source_(source), tag_(tag), envelope_(envelope) {}
  ~RecvOp() override {
    if (block_ != nullptr) ReleaseBlock(block_);
  }

  void ReceiveInto(uint8_t* data, size_t capacity) {
    into_ = data;
    intoCapacity_ = capacity;
  }

  Progress Poll() override {
    while (!failure_.failed()) {
      switch (state_) {
        case State::kMatching:
          if (!Ready()) return Progress::kPending;
          break;
        case State::kMatched:
          StartReceive();
          break;
        case State::kReceiving:
          if (!RequestDone()) return Progress::kPending;
          if (!failure_.failed()) state_ = State::kDone;
          break;
        case State::kDone:
          return Progress::kDone;
      }
    }
    return Progress::kDone;
  }

  // The length when the message landed in `into`, else a Buffer; the envelope is written.
  Napi::Value Result(Napi::Env env) override {
    envelope_.Write(status_);
    if (block_ == nullptr && (length_ > 0 || into_ != nullptr)) {
      return Napi::Number::New(env, static_cast<double>(length_));
    }
    if (block_ == nullptr) return Napi::Buffer<uint8_t>::New(env, 0);
    Block* block = block_;
    block_ = nullptr;
    return WrapBlock(env, block, length_);
  }

 protected:
  bool Ready() override {
    if (state_ != State::kMatching) return RequestDone();
    int found = 0;
    if (Failed(MPI_Improbe(source_, tag_, comm_, &found, &message_, &status_), "MPI_Improbe")) return true;
    if (found == 0) return false;
    state_ = State::kMatched;
    return true;
  }

  bool MovingBulk() const override { return state_ == State::kReceiving && length_ >= kBulkBytes; }

 private:
  enum class State { kMatching, kMatched, kReceiving, kDone };

  void StartReceive() {
    if (!MessageBytes(status_, &length_)) {
      Failed(MPI_ERR_COUNT, "MPI_Get_elements_x");
      return;
    }
    uint8_t* target = into_;
    if (into_ == nullptr || intoCapacity_ < length_) {
      block_ = AcquireBlock(length_);
      if (block_ == nullptr) {
        Failed(MPI_ERR_NO_MEM, "receive buffer allocation");
        return;
      }
      target = BlockData(block_);
    }
    if (Failed(type_.Build(length_), "MPI_Type_create_struct")) return;
    if (Started(MPI_Imrecv(target, type_.count(), type_.type(), &message_, &request_), "MPI_Imrecv")) {
      state_ = State::kReceiving;
    }
  }

  MPI_Comm comm_;
  int source_;
  int tag_;
  MPI_Message message_ = MPI_MESSAGE_NULL;
  MPI_Status status_{};
  size_t length_ = 0;
  uint8_t* into_ = nullptr;
  size_t intoCapacity_ = 0;
  Block* block_ = nullptr;
  ByteType type_;
  State state_ = State::kMatching;
  Envelope envelope_;
};

// Waits for a matching message without receiving it.
class ProbeOp : public Op {
 public:
  ProbeOp(MPI_Comm comm, int source, int tag, Envelope envelope)
      : comm_(comm), source_(source), tag_(tag), envelope_(envelope) {}

  Progress Poll() override { return found_ || failure_.failed() || Ready() ? Progress::kDone : Progress::kPending; }

  // The message's size in bytes; the envelope is written.
  Napi::Value Result(Napi::Env env) override {
    size_t bytes = 0;
    MessageBytes(status_, &bytes);
    envelope_.Write(status_);
    return Napi::Number::New(env, static_cast<double>(bytes));
  }

 protected:
  bool Ready() override {
    int found = 0;
    if (Failed(MPI_Iprobe(source_, tag_, comm_, &found, &status_), "MPI_Iprobe")) return true;
    found_ = found != 0;
    return found_;
  }

 private:
  MPI_Comm comm_;
  int source_;
  int tag_;
  MPI_Status status_{};
  bool found_ = false;
  Envelope envelope_;
};

int IntArg(const Napi::CallbackInfo& info, size_t index) { return info[index].As<Napi::Number>().Int32Value(); }

// Arguments: handle, data, dest, tag.
std::unique_ptr<Op> MakeSend(const Napi::CallbackInfo& info, bool synchronous) {
  Napi::Buffer<uint8_t> data = info[1].As<Napi::Buffer<uint8_t>>();
  auto op = std::make_unique<SendOp>(CommArg(info), data.Data(), data.Length(), IntArg(info, 2), IntArg(info, 3));
  if (synchronous) op->SetSynchronous();
  op->KeepAlive(data);
  return op;
}

// Arguments: handle, source, tag, envelope, into or null.
std::unique_ptr<Op> MakeRecv(const Napi::CallbackInfo& info, bool synchronous) {
  Napi::Int32Array envelope = info[3].As<Napi::Int32Array>();
  auto op = std::make_unique<RecvOp>(CommArg(info), IntArg(info, 1), IntArg(info, 2), Envelope(envelope));
  if (synchronous) op->SetSynchronous();
  op->KeepAlive(envelope);
  if (info[4].IsBuffer()) {
    Napi::Buffer<uint8_t> into = info[4].As<Napi::Buffer<uint8_t>>();
    op->ReceiveInto(into.Data(), into.Length());
    op->KeepAlive(into);
  }
  return op;
}

// Arguments: handle, source, tag, envelope.
std::unique_ptr<Op> MakeProbe(const Napi::CallbackInfo& info, bool synchronous) {
  Napi::Int32Array envelope = info[3].As<Napi::Int32Array>();
  auto op = std::make_unique<ProbeOp>(CommArg(info), IntArg(info, 1), IntArg(info, 2), Envelope(envelope));
  if (synchronous) op->SetSynchronous();
  op->KeepAlive(envelope);
  return op;
}

// The largest tag this MPI accepts (the MPI_TAG_UB attribute of MPI_COMM_WORLD).
Napi::Value TagUpperBound(const Napi::CallbackInfo& info) {
  int* value = nullptr;
  int found = 0;
  ThrowIfFailed(info.Env(), MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &value, &found), "MPI_Comm_get_attr");
  return Napi::Number::New(info.Env(), found != 0 && value != nullptr ? *value : 32767);
}

}  // namespace

void InitP2p(Napi::Env env, Napi::Object exports) {
  exports.Set("sendSync", Napi::Function::New(env, SyncCall<MakeSend>));
  exports.Set("sendAsync", Napi::Function::New(env, AsyncCall<MakeSend>));
  exports.Set("recvSync", Napi::Function::New(env, SyncCall<MakeRecv>));
  exports.Set("recvAsync", Napi::Function::New(env, AsyncCall<MakeRecv>));
  exports.Set("probeSync", Napi::Function::New(env, SyncCall<MakeProbe>));
  exports.Set("probeAsync", Napi::Function::New(env, AsyncCall<MakeProbe>));
  exports.Set("tagUpperBound", Napi::Function::New(env, TagUpperBound));
}

}  // namespace mpinapi
