// scatter of byte messages of any length. The lengths travel first, in a scatter of fixed slots
// that also carries messages of up to 48 bytes; the other messages follow in one MPI_Ialltoallw
// over absolute addresses (bytes.h), straight from the root's Buffers into each receiver's memory,
// so no size or setting has to agree across ranks.
#include <cstring>
#include <vector>

#include "bytes.h"
#include "op.h"
#include "parts.h"

namespace mpinapi {

namespace {

// One rank's slot in a scatter's first step: its message length, whether every message fitted
// in its slot (the root decides, so every rank takes the same next step), and those bytes.
constexpr size_t kScatterInline = 48;
struct ScatterSlot {
  uint64_t length;
  uint64_t allInline;
  uint8_t bytes[kScatterInline];
};
constexpr int kSlotBytes = static_cast<int>(sizeof(ScatterSlot));

class ScatterOp : public Op {
 public:
  ScatterOp(MPI_Comm comm, int root, int rank, int size)
      : comm_(comm), root_(root), rank_(rank), size_(size), exchange_(static_cast<size_t>(size)) {}
  ~ScatterOp() override {
    if (block_ != nullptr) ReleaseBlock(block_);
  }

  // The root's messages, one per rank.
  void SetParts(std::vector<Part> parts) { parts_ = std::move(parts); }

  Progress Poll() override {
    while (!failure_.failed()) {
      switch (state_) {
        case State::kStart:
          FillSlots();
          if (Started(MPI_Iscatter(slots_.data(), kSlotBytes, MPI_BYTE, &mine_, kSlotBytes, MPI_BYTE, root_, comm_,
                                   &request_),
                      "MPI_Iscatter")) {
            state_ = State::kSlotsInFlight;
          }
          break;
        case State::kSlotsInFlight:
          if (!RequestDone()) return Progress::kPending;
          if (!failure_.failed()) ReadSlot();
          break;
        case State::kData:
          if (StartExchange()) state_ = State::kDataInFlight;
          break;
        case State::kDataInFlight:
          if (!RequestDone()) return Progress::kPending;
          state_ = State::kDone;
          break;
        case State::kDone:
          return Progress::kDone;
      }
    }
    return Progress::kDone;
  }

  // The root gets its own message's length (TS returns its own Buffer); the others a Buffer.
  Napi::Value Result(Napi::Env env) override {
    if (rank_ == root_) return Napi::Number::New(env, static_cast<double>(length_));
    if (block_ == nullptr) return Napi::Buffer<uint8_t>::Copy(env, mine_.bytes, length_);
    Block* block = block_;
    block_ = nullptr;
    return WrapBlock(env, block, length_);
  }

 protected:
  bool MovingBulk() const override { return state_ == State::kDataInFlight && moving_ >= kBulkBytes; }

 private:
  enum class State { kStart, kSlotsInFlight, kData, kDataInFlight, kDone };

  void FillSlots() {
    if (rank_ != root_) return;
    slots_.assign(static_cast<size_t>(size_), ScatterSlot{});
    bool allInline = true;
    for (int peer = 0; peer < size_; ++peer) {
      if (peer != root_) allInline = allInline && parts_[peer].length <= kScatterInline;
    }
    for (int peer = 0; peer < size_; ++peer) {
      ScatterSlot& slot = slots_[static_cast<size_t>(peer)];
      const Part& part = parts_[static_cast<size_t>(peer)];
      slot.length = part.length;
      slot.allInline = allInline ? 1 : 0;
      if (allInline && peer != root_ && part.length > 0) std::memcpy(slot.bytes, part.data, part.length);
      if (peer != root_) moving_ += part.length;
    }
  }

  void ReadSlot() {
    length_ = static_cast<size_t>(mine_.length);
    if (mine_.allInline != 0) {
      state_ = State::kDone;
      return;
    }
    if (rank_ != root_) {
      moving_ = length_;
      if (length_ > 0) {
        block_ = AcquireBlock(length_);
        if (block_ == nullptr) {
          Failed(MPI_ERR_NO_MEM, "receive buffer allocation");
          return;
        }
      }
    }
    state_ = State::kData;
  }

  // The root sends every other rank its part; the root's own part stays where it is.
  bool StartExchange() {
    if (rank_ == root_) {
      for (int peer = 0; peer < size_; ++peer) {
        const Part& part = parts_[static_cast<size_t>(peer)];
        if (peer != root_ && Failed(exchange_.Send(peer, part.data, part.length), "MPI_Type_create_struct")) {
          return false;
        }
      }
    } else if (block_ != nullptr && Failed(exchange_.Receive(root_, BlockData(block_), length_), "MPI_Type_create_struct")) {
      return false;
    }
    return Started(exchange_.Start(comm_, &request_), "MPI_Ialltoallw");
  }

  MPI_Comm comm_;
  int root_;
  int rank_;
  int size_;
  std::vector<Part> parts_;
  std::vector<ScatterSlot> slots_;
  ScatterSlot mine_{};
  size_t length_ = 0;
  size_t moving_ = 0;
  Block* block_ = nullptr;
  ByteExchange exchange_;
  State state_ = State::kStart;
};


// Arguments: handle, root, rank, size, an array of size Buffers (root) or null.
std::unique_ptr<Op> MakeScatter(const Napi::CallbackInfo& info, bool synchronous) {
  const int root = info[1].As<Napi::Number>().Int32Value();
  const int rank = info[2].As<Napi::Number>().Int32Value();
  auto op = std::make_unique<ScatterOp>(CommArg(info), root, rank, info[3].As<Napi::Number>().Int32Value());
  if (synchronous) op->SetSynchronous();
  if (rank == root) op->SetParts(PartsOf(info[4].As<Napi::Array>(), op.get()));
  return op;
}



}  // namespace

void InitScatter(Napi::Env env, Napi::Object exports) {
  exports.Set("scatterSync", Napi::Function::New(env, SyncCall<MakeScatter>));
  exports.Set("scatterAsync", Napi::Function::New(env, AsyncCall<MakeScatter>));
}

}  // namespace mpinapi
