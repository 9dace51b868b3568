// Byte messages of any length as MPI datatypes. An MPI count is an int: a message over INT_MAX
// bytes is described by one struct type of 1 GiB blocks and the rest, which each rank builds from
// the byte count alone, so no setting has to agree across ranks.
#pragma once

#include <cstddef>
#include <vector>

#include "common.h"

namespace mpinapi {

// One (count, type) pair describing a run of bytes. Owns the derived type it builds, if any.
class ByteType {
 public:
  ByteType() = default;
  ByteType(const ByteType&) = delete;
  ByteType& operator=(const ByteType&) = delete;
  ~ByteType();

  // `bytes` bytes at the buffer passed beside it: MPI_BYTE up to INT_MAX, else a struct type.
  int Build(size_t bytes);
  // `bytes` bytes at `address`, for a call whose buffer is MPI_BOTTOM: a type whose displacement
  // is the absolute address (count 1), or count 0 for an empty run.
  int BuildAt(const void* address, size_t bytes);

  MPI_Datatype type() const { return type_; }
  int count() const { return count_; }

 private:
  MPI_Datatype type_ = MPI_BYTE;
  int count_ = 0;
};

// The arguments of one MPI_Ialltoallw over absolute addresses: each peer's send and receive is a
// run of bytes anywhere in memory, of any length. Scatter, alltoall and gathers whose total
// exceeds one count all move their bytes this way. Held until the request completes.
class ByteExchange {
 public:
  explicit ByteExchange(size_t peers);

  // What goes to peer, and where what comes from peer lands; peers left unset move nothing.
  int Send(size_t peer, const void* data, size_t bytes);
  int Receive(size_t peer, void* data, size_t bytes);
  int Start(MPI_Comm comm, MPI_Request* request);

 private:
  std::vector<ByteType> sendTypes_;
  std::vector<ByteType> receiveTypes_;
  std::vector<int> sendCounts_;
  std::vector<int> receiveCounts_;
  std::vector<MPI_Datatype> sendHandles_;
  std::vector<MPI_Datatype> receiveHandles_;
  std::vector<int> displacements_;
};

}  // namespace mpinapi
