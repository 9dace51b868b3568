// scatter and alltoall of byte messages of any length. The lengths travel first (a scatter or an
// alltoall of fixed slots), then the bytes in one MPI_Ialltoallw over absolute addresses
// (bytes.h): each message goes straight from the sender's Buffer into the receiver's memory, and
// no size or setting has to agree across ranks.
#include <cstring>
#include <vector>

#include "bytes.h"
#include "op.h"

namespace mpinapi {

namespace {

// A message to send: a Buffer's bytes, kept alive by the op.
struct Part {
  const uint8_t* data;
  size_t length;
};

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

constexpr int kLengthBytes = static_cast<int>(sizeof(uint64_t));

class AlltoallOp : public Op {
 public:
  AlltoallOp(MPI_Comm comm, int rank, int size)
      : comm_(comm),
        self_(static_cast<size_t>(rank)),
        sendLengths_(static_cast<size_t>(size)),
        receiveLengths_(static_cast<size_t>(size)),
        exchange_(static_cast<size_t>(size)) {}

  // This rank's messages, one per rank.
  void SetParts(std::vector<Part> parts) {
    parts_ = std::move(parts);
    for (size_t peer = 0; peer < parts_.size(); ++peer) {
      sendLengths_[peer] = parts_[peer].length;
      moving_ += parts_[peer].length;
    }
  }
  ~AlltoallOp() override {
    if (block_ != nullptr) ReleaseBlock(block_);
  }

  Progress Poll() override {
    while (!failure_.failed()) {
      switch (state_) {
        case State::kStart:
          if (Started(MPI_Ialltoall(sendLengths_.data(), kLengthBytes, MPI_BYTE, receiveLengths_.data(), kLengthBytes,
                                    MPI_BYTE, comm_, &request_),
                      "MPI_Ialltoall")) {
            state_ = State::kLengthsInFlight;
          }
          break;
        case State::kLengthsInFlight:
          if (!RequestDone()) return Progress::kPending;
          if (!failure_.failed() && StartExchange()) state_ = State::kDataInFlight;
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

  // { data, lengths }: every received message back to back, in rank order.
  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    Napi::Array lengths = Napi::Array::New(env, receiveLengths_.size());
    for (size_t i = 0; i < receiveLengths_.size(); ++i) {
      lengths.Set(i, Napi::Number::New(env, static_cast<double>(receiveLengths_[i])));
    }
    result.Set("lengths", lengths);
    if (block_ == nullptr) {
      result.Set("data", Napi::Buffer<uint8_t>::New(env, 0));
    } else {
      Block* block = block_;
      block_ = nullptr;
      result.Set("data", WrapBlock(env, block, total_));
    }
    return result;
  }

 protected:
  bool MovingBulk() const override { return state_ == State::kDataInFlight && moving_ >= kBulkBytes; }

 private:
  enum class State { kStart, kLengthsInFlight, kDataInFlight, kDone };

  // Every other rank's message through MPI; this rank's own is copied here, which spares MPI
  // packing it (Open MPI's self copy of a derived type packs it through an int-sized buffer).
  bool StartExchange() {
    for (uint64_t length : receiveLengths_) total_ += static_cast<size_t>(length);
    moving_ += total_;
    if (total_ > 0) {
      block_ = AcquireBlock(total_);
      if (block_ == nullptr) {
        Failed(MPI_ERR_NO_MEM, "receive buffer allocation");
        return false;
      }
    }
    size_t offset = 0;
    for (size_t peer = 0; peer < parts_.size(); ++peer) {
      const size_t length = static_cast<size_t>(receiveLengths_[peer]);
      if (peer == self_) {
        if (length > 0) std::memcpy(BlockData(block_) + offset, parts_[peer].data, length);
      } else if (Failed(exchange_.Send(peer, parts_[peer].data, parts_[peer].length), "MPI_Type_create_struct") ||
                 (length > 0 &&
                  Failed(exchange_.Receive(peer, BlockData(block_) + offset, length), "MPI_Type_create_struct"))) {
        return false;
      }
      offset += length;
    }
    return Started(exchange_.Start(comm_, &request_), "MPI_Ialltoallw");
  }

  MPI_Comm comm_;
  size_t self_;
  std::vector<Part> parts_;
  std::vector<uint64_t> sendLengths_;
  std::vector<uint64_t> receiveLengths_;
  size_t total_ = 0;
  size_t moving_ = 0;
  Block* block_ = nullptr;
  ByteExchange exchange_;
  State state_ = State::kStart;
};

MPI_Comm CommArg(const Napi::CallbackInfo& info) {
  return CommFromHandle(info[0].As<Napi::Number>().Uint32Value());
}

// The Buffers of a JS array, kept alive by op until it completes.
std::vector<Part> PartsOf(Napi::Array buffers, Op* op) {
  std::vector<Part> parts;
  parts.reserve(buffers.Length());
  for (uint32_t i = 0; i < buffers.Length(); ++i) {
    Napi::Buffer<uint8_t> buffer = buffers.Get(i).As<Napi::Buffer<uint8_t>>();
    parts.push_back(Part{buffer.Data(), buffer.Length()});
    op->KeepAlive(buffer);
  }
  return parts;
}

// Arguments: handle, root, rank, size, an array of size Buffers (root) or null.
std::unique_ptr<Op> MakeScatter(const Napi::CallbackInfo& info, bool synchronous) {
  const int root = info[1].As<Napi::Number>().Int32Value();
  const int rank = info[2].As<Napi::Number>().Int32Value();
  auto op = std::make_unique<ScatterOp>(CommArg(info), root, rank, info[3].As<Napi::Number>().Int32Value());
  if (synchronous) op->SetSynchronous();
  if (rank == root) op->SetParts(PartsOf(info[4].As<Napi::Array>(), op.get()));
  return op;
}

// Arguments: handle, rank, size, an array of size Buffers.
std::unique_ptr<Op> MakeAlltoall(const Napi::CallbackInfo& info, bool synchronous) {
  auto op = std::make_unique<AlltoallOp>(CommArg(info), info[1].As<Napi::Number>().Int32Value(),
                                         info[2].As<Napi::Number>().Int32Value());
  if (synchronous) op->SetSynchronous();
  op->SetParts(PartsOf(info[3].As<Napi::Array>(), op.get()));
  return op;
}

template <std::unique_ptr<Op> (*Make)(const Napi::CallbackInfo&, bool)>
Napi::Value Sync(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), Make(info, true));
}

// The callback is the last argument.
template <std::unique_ptr<Op> (*Make)(const Napi::CallbackInfo&, bool)>
Napi::Value Async(const Napi::CallbackInfo& info) {
  RunAsync(info.Env(), Make(info, false), info[info.Length() - 1].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void InitExchange(Napi::Env env, Napi::Object exports) {
  exports.Set("scatterSync", Napi::Function::New(env, Sync<MakeScatter>));
  exports.Set("scatterAsync", Napi::Function::New(env, Async<MakeScatter>));
  exports.Set("alltoallSync", Napi::Function::New(env, Sync<MakeAlltoall>));
  exports.Set("alltoallAsync", Napi::Function::New(env, Async<MakeAlltoall>));
}

}  // namespace mpinapi
