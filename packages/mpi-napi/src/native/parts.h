// The messages of scatter and alltoall: one Buffer per rank, read from a JS array.
#pragma once

#include <vector>

#include "op.h"

namespace mpinapi {

// A message to send: a Buffer's bytes, kept alive by the op.
struct Part {
  const uint8_t* data;
  size_t length;
};

// The Buffers of a JS array, kept alive by op until it completes.
inline std::vector<Part> PartsOf(Napi::Array buffers, Op* op) {
  std::vector<Part> parts;
  parts.reserve(buffers.Length());
  for (uint32_t i = 0; i < buffers.Length(); ++i) {
    Napi::Buffer<uint8_t> buffer = buffers.Get(i).As<Napi::Buffer<uint8_t>>();
    parts.push_back(Part{buffer.Data(), buffer.Length()});
    op->KeepAlive(buffer);
  }
  return parts;
}

}  // namespace mpinapi
