// gather and allgather of byte messages of any length. The lengths travel first, in an allgather
// of fixed slots, so every rank makes the same choice: done already (every message fit in its
// slot, the common case of flags and small reports: one collective), gatherv/allgatherv, or,
// when the total exceeds one MPI count (counts and displacements are int), an alltoallw of
// absolute-address types (bytes.h).
#include <climits>
#include <cstring>
#include <memory>
#include <vector>

#include "bytes.h"
#include "op.h"

namespace mpinapi {

namespace {

// One rank's slot in the first allgather: its message length (native byte order: the ranks of one
// job share one architecture) and, when it fits, the message itself.
constexpr size_t kSlotBytes = 64;
constexpr size_t kSlotInline = kSlotBytes - sizeof(uint64_t);

// gather (root >= 0) or allgather (root < 0).
class GatherOp : public Op {
 public:
  GatherOp(MPI_Comm comm, int root, int rank, int size, const uint8_t* data, size_t length)
      : comm_(comm),
        root_(root),
        rank_(rank),
        data_(data),
        mine_(length),
        lengths_(size),
        slots_(static_cast<size_t>(size) * kSlotBytes) {
    std::memcpy(slot_, &mine_, sizeof mine_);
    if (mine_ <= kSlotInline && mine_ > 0) std::memcpy(slot_ + sizeof mine_, data_, mine_);
  }
  ~GatherOp() override {
    if (block_ != nullptr) ReleaseBlock(block_);
  }

  Progress Poll() override {
    while (!failure_.failed()) {
      switch (state_) {
        case State::kStart:
          if (Started(MPI_Iallgather(slot_, static_cast<int>(kSlotBytes), MPI_BYTE, slots_.data(),
                                     static_cast<int>(kSlotBytes), MPI_BYTE, comm_, &request_),
                      "MPI_Iallgather")) {
            state_ = State::kLengthsInFlight;
          }
          break;
        case State::kLengthsInFlight:
          if (!RequestDone()) return Progress::kPending;
          if (!failure_.failed()) ReadLengths();
          break;
        case State::kData:
          if (StartData()) state_ = State::kDataInFlight;
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

  bool MovingBulk() const override {
    return state_ == State::kDataInFlight && total_ >= kBulkBytes;
  }

  // { data, lengths } where this rank receives; null on the non-root ranks of a gather.
  Napi::Value Result(Napi::Env env) override {
    if (!Receives()) return env.Null();
    return LengthsAndData(env, lengths_, &block_, total_);
  }

 private:
  enum class State { kStart, kLengthsInFlight, kData, kDataInFlight, kDone };

  bool Receives() const { return root_ < 0 || root_ == rank_; }
  uint8_t* Target() const { return block_ != nullptr ? BlockData(block_) : nullptr; }

  void ReadLengths() {
    std::vector<size_t> offsets(lengths_.size());
    total_ = 0;
    bool allInline = true;
    for (size_t i = 0; i < lengths_.size(); ++i) {
      std::memcpy(&lengths_[i], slots_.data() + i * kSlotBytes, sizeof(uint64_t));
      offsets[i] = total_;
      total_ += static_cast<size_t>(lengths_[i]);
      allInline = allInline && lengths_[i] <= kSlotInline;
    }
    wide_ = total_ > static_cast<size_t>(INT_MAX);
    if (!wide_) {
      counts_.assign(lengths_.begin(), lengths_.end());
      displacements_.assign(offsets.begin(), offsets.end());
    }
    offsets_ = std::move(offsets);
    if (total_ == 0) {
      state_ = State::kDone;
      return;
    }
    if (Receives()) {
      block_ = AcquireBlock(total_);
      if (block_ == nullptr) {
        Failed(MPI_ERR_NO_MEM, "receive buffer allocation");
        return;
      }
    }
    if (allInline) {
      if (Receives()) {
        for (size_t i = 0; i < lengths_.size(); ++i) {
          std::memcpy(Target() + offsets_[i], slots_.data() + i * kSlotBytes + sizeof(uint64_t), lengths_[i]);
        }
      }
      state_ = State::kDone;
      return;
    }
    state_ = State::kData;
  }

  // Every rank knows the total, so every rank takes the same of the two paths.
  bool StartData() {
    if (wide_) return StartExchange();
    if (root_ < 0) {
      return Started(MPI_Iallgatherv(data_, static_cast<int>(mine_), MPI_BYTE, Target(), counts_.data(),
                                    displacements_.data(), MPI_BYTE, comm_, &request_),
                    "MPI_Iallgatherv");
    }
    return Started(MPI_Igatherv(data_, static_cast<int>(mine_), MPI_BYTE, Target(), counts_.data(),
                               displacements_.data(), MPI_BYTE, root_, comm_, &request_),
                  "MPI_Igatherv");
  }

  // Each rank's message to the root (gather) or to every rank (allgather), each landing at its
  // offset, whatever the sizes. A rank copies its own message itself: Open MPI's self copy of a
  // derived type packs it through an int-sized buffer.
  bool StartExchange() {
    const size_t peers = lengths_.size();
    const size_t self = static_cast<size_t>(rank_);
    exchange_ = std::make_unique<ByteExchange>(peers);
    if (Receives() && mine_ > 0) std::memcpy(Target() + offsets_[self], data_, mine_);
    for (size_t peer = 0; peer < peers; ++peer) {
      if (peer == self) continue;
      if ((root_ < 0 || static_cast<int>(peer) == root_) &&
          Failed(exchange_->Send(peer, data_, mine_), "MPI_Type_create_struct")) {
        return false;
      }
      if (Receives() && Failed(exchange_->Receive(peer, Target() + offsets_[peer], static_cast<size_t>(lengths_[peer])),
                               "MPI_Type_create_struct")) {
        return false;
      }
    }
    return Started(exchange_->Start(comm_, &request_), "MPI_Ialltoallw");
  }

  MPI_Comm comm_;
  int root_;
  int rank_;
  const uint8_t* data_;
  uint64_t mine_;
  uint8_t slot_[kSlotBytes] = {};
  std::vector<uint64_t> lengths_;
  std::vector<uint8_t> slots_;
  std::vector<size_t> offsets_;
  std::vector<int> counts_;
  std::vector<int> displacements_;
  std::unique_ptr<ByteExchange> exchange_;
  size_t total_ = 0;
  bool wide_ = false;
  Block* block_ = nullptr;
  State state_ = State::kStart;
};

// Arguments: handle, root (-1 for allgather), rank, size, data.
std::unique_ptr<Op> MakeGather(const Napi::CallbackInfo& info, bool synchronous) {
  Napi::Buffer<uint8_t> data = info[4].As<Napi::Buffer<uint8_t>>();
  auto op = std::make_unique<GatherOp>(CommArg(info), info[1].As<Napi::Number>().Int32Value(),
                                       info[2].As<Napi::Number>().Int32Value(),
                                       info[3].As<Napi::Number>().Int32Value(), data.Data(), data.Length());
  if (synchronous) op->SetSynchronous();
  op->KeepAlive(data);
  return op;
}

Napi::Value GatherSync(const Napi::CallbackInfo& info) { return RunSync(info.Env(), MakeGather(info, true)); }

Napi::Value GatherAsync(const Napi::CallbackInfo& info) {
  RunAsync(info.Env(), MakeGather(info, false), info[5].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void InitGather(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherSync", Napi::Function::New(env, GatherSync));
  exports.Set("gatherAsync", Napi::Function::New(env, GatherAsync));
}

}  // namespace mpinapi
