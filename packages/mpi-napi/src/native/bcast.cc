// bcast of a byte message whose length only the root knows. One collective carries the length
// and, for small messages, the bytes themselves; a larger message follows in one more bcast, or
// beyond one MPI count in pieces of 1 GiB that every rank derives from the length. Non-roots
// receive into a caller's Buffer when it is large enough, else into pooled memory handed to JS
// without a copy.
#include <algorithm>
#include <climits>
#include <cstring>

#include "op.h"

namespace mpinapi {

namespace {

// Messages up to this size travel inside the header: one collective instead of two.
constexpr size_t kInlineBytes = 1024;
// A message over INT_MAX bytes goes in pieces of this size, not as one large datatype: MPICH 4.0's
// MPI_Ibcast of more than INT_MAX bytes (a derived type, or MPI_Ibcast_c) delivers the data but
// completes with "Invalid communicator" on the receivers.
constexpr size_t kPieceBytes = size_t{1} << 30;

struct Header {
  uint64_t length;
  uint8_t bytes[kInlineBytes];
};

class BcastOp : public Op {
 public:
  BcastOp(MPI_Comm comm, int root, bool isRoot, uint8_t* data, size_t length)
      : comm_(comm), root_(root), isRoot_(isRoot), data_(data), length_(length) {}
  ~BcastOp() override {
    if (block_ != nullptr) ReleaseBlock(block_);
  }

  Progress Poll() override {
    while (!failure_.failed()) {
      switch (state_) {
        case State::kStart:
          FillHeader();
          if (!Started(MPI_Ibcast(&header_, sizeof header_, MPI_BYTE, root_, comm_, &request_), "MPI_Ibcast")) break;
          state_ = State::kHeaderInFlight;
          break;
        case State::kHeaderInFlight:
          if (!RequestDone()) return Progress::kPending;
          if (!failure_.failed()) ReadHeader();
          break;
        case State::kData:
          if (!Started(MPI_Ibcast(data_ + offset_, PieceCount(), MPI_BYTE, root_, comm_, &request_), "MPI_Ibcast")) {
            break;
          }
          state_ = State::kDataInFlight;
          break;
        case State::kDataInFlight:
          if (!RequestDone()) return Progress::kPending;
          if (!failure_.failed()) NextPiece();
          break;
        case State::kDone:
          return Progress::kDone;
      }
    }
    return Progress::kDone;
  }

  // The root and receivers into a caller's Buffer get the length (TS returns a view);
  // other receivers get a new Buffer.
  Napi::Value Result(Napi::Env env) override {
    if (isRoot_ || (data_ != nullptr && block_ == nullptr && intoCapacity_ >= length_)) {
      if (!isRoot_ && length_ <= kInlineBytes) std::memcpy(data_, header_.bytes, length_);
      return Napi::Number::New(env, static_cast<double>(length_));
    }
    if (length_ <= kInlineBytes) return Napi::Buffer<uint8_t>::Copy(env, header_.bytes, length_);
    Block* block = block_;
    block_ = nullptr;
    return WrapBlock(env, block, length_);
  }

  bool MovingBulk() const override { return state_ == State::kDataInFlight && length_ >= kBulkBytes; }

  void ReceiveInto(uint8_t* data, size_t capacity) {
    data_ = data;
    intoCapacity_ = capacity;
  }

 private:
  enum class State { kStart, kHeaderInFlight, kData, kDataInFlight, kDone };

  void FillHeader() {
    if (!isRoot_) return;
    header_.length = length_;
    if (length_ <= kInlineBytes && length_ > 0) std::memcpy(header_.bytes, data_, length_);
  }

  void ReadHeader() {
    length_ = static_cast<size_t>(header_.length);
    if (length_ <= kInlineBytes) {
      state_ = State::kDone;
      return;
    }
    if (!isRoot_ && (data_ == nullptr || intoCapacity_ < length_)) {
      block_ = AcquireBlock(length_);
      if (block_ == nullptr) {
        Failed(MPI_ERR_NO_MEM, "receive buffer allocation");
        return;
      }
      data_ = BlockData(block_);
    }
    offset_ = 0;
    state_ = State::kData;
  }

  int PieceCount() const {
    const size_t rest = length_ - offset_;
    return static_cast<int>(length_ <= static_cast<size_t>(INT_MAX) ? rest : std::min(kPieceBytes, rest));
  }

  void NextPiece() {
    offset_ += static_cast<size_t>(PieceCount());
    state_ = offset_ < length_ ? State::kData : State::kDone;
  }

  MPI_Comm comm_;
  int root_;
  bool isRoot_;
  uint8_t* data_;
  size_t length_;
  size_t offset_ = 0;
  size_t intoCapacity_ = 0;
  Block* block_ = nullptr;
  Header header_{};
  State state_ = State::kStart;
};

// Arguments: handle, root, isRoot, data (root) or null, into (receivers) or null.
std::unique_ptr<BcastOp> MakeBcast(const Napi::CallbackInfo& info, bool synchronous) {
  MPI_Comm comm = CommFromHandle(info[0].As<Napi::Number>().Uint32Value());
  int root = info[1].As<Napi::Number>().Int32Value();
  bool isRoot = info[2].As<Napi::Boolean>().Value();
  uint8_t* data = nullptr;
  size_t length = 0;
  if (isRoot) {
    Napi::Buffer<uint8_t> buffer = info[3].As<Napi::Buffer<uint8_t>>();
    data = buffer.Data();
    length = buffer.Length();
  }
  auto op = std::make_unique<BcastOp>(comm, root, isRoot, data, length);
  if (synchronous) op->SetSynchronous();
  if (isRoot) op->KeepAlive(info[3].As<Napi::Object>());
  if (!isRoot && info[4].IsBuffer()) {
    Napi::Buffer<uint8_t> into = info[4].As<Napi::Buffer<uint8_t>>();
    op->ReceiveInto(into.Data(), into.Length());
    op->KeepAlive(into);
  }
  return op;
}

Napi::Value BcastSync(const Napi::CallbackInfo& info) { return RunSync(info.Env(), MakeBcast(info, true)); }

Napi::Value BcastAsync(const Napi::CallbackInfo& info) {
  RunAsync(info.Env(), MakeBcast(info, false), info[5].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void InitBcast(Napi::Env env, Napi::Object exports) {
  exports.Set("bcastSync", Napi::Function::New(env, BcastSync));
  exports.Set("bcastAsync", Napi::Function::New(env, BcastAsync));
}

}  // namespace mpinapi
