// Receive memory. Touching fresh pages costs more than copying into warm ones (on some VMs by
// an order of magnitude), so blocks behind collected Buffers are kept and reused for later
// receives, up to a byte limit. Large blocks are 2 MiB aligned and advised for huge pages.
#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <vector>

#include "common.h"

namespace mpinapi {

struct Block {
  uint8_t* data;
  size_t capacity;
  bool mapped;
};

namespace {

constexpr size_t kPooledMinimum = size_t{64} << 10;
constexpr size_t kHugePage = size_t{2} << 20;

std::mutex poolMutex;
std::vector<Block*> pooled;
size_t pooledBytes = 0;

size_t RoundUp(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

Block* Allocate(size_t bytes) {
  if (bytes < kHugePage) {
    size_t capacity = RoundUp(bytes == 0 ? 1 : bytes, 64);
    void* data = std::aligned_alloc(64, capacity);
    if (data == nullptr) return nullptr;
    return new Block{static_cast<uint8_t*>(data), capacity, false};
  }
  size_t capacity = RoundUp(bytes, kHugePage);
  void* data = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) return nullptr;
  madvise(data, capacity, MADV_HUGEPAGE);  // advisory: ignored where THP is off
  return new Block{static_cast<uint8_t*>(data), capacity, true};
}

void Destroy(Block* block) {
  if (block->mapped) {
    munmap(block->data, block->capacity);
  } else {
    std::free(block->data);
  }
  delete block;
}

}  // namespace

Block* AcquireBlock(size_t bytes) {
  if (bytes >= kPooledMinimum) {
    std::lock_guard<std::mutex> lock(poolMutex);
    // Best fit, but never hand out a block more than twice the request: that memory would sit idle.
    size_t best = pooled.size();
    for (size_t i = 0; i < pooled.size(); ++i) {
      size_t capacity = pooled[i]->capacity;
      if (capacity >= bytes && capacity <= 2 * bytes + kHugePage &&
          (best == pooled.size() || capacity < pooled[best]->capacity)) {
        best = i;
      }
    }
    if (best != pooled.size()) {
      Block* block = pooled[best];
      pooled.erase(pooled.begin() + static_cast<std::ptrdiff_t>(best));
      pooledBytes -= block->capacity;
      return block;
    }
  }
  return Allocate(bytes);
}

uint8_t* BlockData(Block* block) { return block->data; }

void ReleaseBlock(Block* block) {
  if (block->capacity >= kPooledMinimum) {
    std::lock_guard<std::mutex> lock(poolMutex);
    size_t limit = GlobalSettings().poolLimitBytes;
    while (!pooled.empty() && pooledBytes + block->capacity > limit) {
      pooledBytes -= pooled.front()->capacity;
      Destroy(pooled.front());
      pooled.erase(pooled.begin());
    }
    if (pooledBytes + block->capacity <= limit) {
      pooled.push_back(block);
      pooledBytes += block->capacity;
      return;
    }
  }
  Destroy(block);
}

Napi::Buffer<uint8_t> WrapBlock(Napi::Env env, Block* block, size_t length) {
  return Napi::Buffer<uint8_t>::New(
      env, block->data, length, [](Napi::Env, uint8_t*, Block* owned) { ReleaseBlock(owned); }, block);
}

Napi::Object LengthsAndData(Napi::Env env, const std::vector<size_t>& lengths, Block** block, size_t total) {
  Napi::Object result = Napi::Object::New(env);
  Napi::Array array = Napi::Array::New(env, lengths.size());
  for (size_t i = 0; i < lengths.size(); ++i) array.Set(i, Napi::Number::New(env, static_cast<double>(lengths[i])));
  result.Set("lengths", array);
  if (*block == nullptr) {
    result.Set("data", Napi::Buffer<uint8_t>::New(env, 0));
  } else {
    Block* taken = *block;
    *block = nullptr;
    result.Set("data", WrapBlock(env, taken, total));
  }
  return result;
}

}  // namespace mpinapi
