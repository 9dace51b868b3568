// alltoall of byte messages of any length per pair. The lengths travel first, in an alltoall of
// one count each; then the bytes move in one MPI_Ialltoallw over absolute addresses (bytes.h),
// straight from each sender's Buffer into the receiver's block, so no size or setting has to
// agree across ranks.
#include <cstring>
#include <vector>

#include "bytes.h"
#include "op.h"
#include "parts.h"

namespace mpinapi {

namespace {

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
    return LengthsAndData(env, receiveLengths_, &block_, total_);
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


// Arguments: handle, rank, size, an array of size Buffers.
std::unique_ptr<Op> MakeAlltoall(const Napi::CallbackInfo& info, bool synchronous) {
  auto op = std::make_unique<AlltoallOp>(CommArg(info), info[1].As<Napi::Number>().Int32Value(),
                                         info[2].As<Napi::Number>().Int32Value());
  if (synchronous) op->SetSynchronous();
  op->SetParts(PartsOf(info[3].As<Napi::Array>(), op.get()));
  return op;
}



}  // namespace

void InitAlltoall(Napi::Env env, Napi::Object exports) {
  exports.Set("alltoallSync", Napi::Function::New(env, SyncCall<MakeAlltoall>));
  exports.Set("alltoallAsync", Napi::Function::New(env, AsyncCall<MakeAlltoall>));
}

}  // namespace mpinapi
