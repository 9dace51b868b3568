// Datatypes for byte messages of any length, and MPI_Ialltoallw over absolute addresses.
#include "bytes.h"

#include <climits>

namespace mpinapi {

namespace {

constexpr size_t kBlockBytes = size_t{1} << 30;

// A committed struct type of `bytes` bytes from displacement `start`: 1 GiB blocks while the
// length exceeds one count, then the rest as MPI_BYTE.
int StructOfBytes(MPI_Aint start, size_t bytes, MPI_Datatype* out) {
  int lengths[2];
  MPI_Aint displacements[2];
  MPI_Datatype types[2];
  int entries = 0;
  MPI_Datatype block = MPI_DATATYPE_NULL;
  size_t rest = bytes;
  if (bytes > static_cast<size_t>(INT_MAX)) {
    int code = MPI_Type_contiguous(static_cast<int>(kBlockBytes), MPI_BYTE, &block);
    if (code != MPI_SUCCESS) return code;
    lengths[0] = static_cast<int>(bytes / kBlockBytes);
    displacements[0] = start;
    types[0] = block;
    entries = 1;
    rest = bytes % kBlockBytes;
  }
  lengths[entries] = static_cast<int>(rest);
  displacements[entries] = start + static_cast<MPI_Aint>(bytes - rest);
  types[entries] = MPI_BYTE;
  entries += 1;
  int code = MPI_Type_create_struct(entries, lengths, displacements, types, out);
  if (block != MPI_DATATYPE_NULL) MPI_Type_free(&block);
  if (code != MPI_SUCCESS) return code;
  code = MPI_Type_commit(out);
  if (code != MPI_SUCCESS) MPI_Type_free(out);
  return code;
}

}  // namespace

ByteType::~ByteType() {
  if (type_ == MPI_BYTE) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) MPI_Type_free(&type_);
}

int ByteType::Build(size_t bytes) {
  if (bytes <= static_cast<size_t>(INT_MAX)) {
    count_ = static_cast<int>(bytes);
    return MPI_SUCCESS;
  }
  MPI_Datatype whole = MPI_DATATYPE_NULL;
  int code = StructOfBytes(0, bytes, &whole);
  if (code != MPI_SUCCESS) return code;
  type_ = whole;
  count_ = 1;
  return MPI_SUCCESS;
}

int ByteType::BuildAt(const void* address, size_t bytes) {
  if (bytes == 0) {
    count_ = 0;
    return MPI_SUCCESS;
  }
  MPI_Aint start = 0;
  int code = MPI_Get_address(address, &start);
  if (code != MPI_SUCCESS) return code;
  MPI_Datatype whole = MPI_DATATYPE_NULL;
  code = StructOfBytes(start, bytes, &whole);
  if (code != MPI_SUCCESS) return code;
  type_ = whole;
  count_ = 1;
  return MPI_SUCCESS;
}

ByteExchange::ByteExchange(size_t peers)
    : sendTypes_(peers),
      receiveTypes_(peers),
      sendCounts_(peers, 0),
      receiveCounts_(peers, 0),
      sendHandles_(peers, MPI_BYTE),
      receiveHandles_(peers, MPI_BYTE),
      displacements_(peers, 0) {}

int ByteExchange::Send(size_t peer, const void* data, size_t bytes) {
  int code = sendTypes_[peer].BuildAt(data, bytes);
  sendCounts_[peer] = sendTypes_[peer].count();
  sendHandles_[peer] = sendTypes_[peer].type();
  return code;
}

int ByteExchange::Receive(size_t peer, void* data, size_t bytes) {
  int code = receiveTypes_[peer].BuildAt(data, bytes);
  receiveCounts_[peer] = receiveTypes_[peer].count();
  receiveHandles_[peer] = receiveTypes_[peer].type();
  return code;
}

int ByteExchange::Start(MPI_Comm comm, MPI_Request* request) {
  return MPI_Ialltoallw(MPI_BOTTOM, sendCounts_.data(), displacements_.data(), sendHandles_.data(), MPI_BOTTOM,
                        receiveCounts_.data(), displacements_.data(), receiveHandles_.data(), comm, request);
}

}  // namespace mpinapi
