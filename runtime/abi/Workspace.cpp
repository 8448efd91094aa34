#include "runtime/abi/Workspace.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sys/mman.h>
#include <unordered_map>
#include <vector>

namespace kiln::workspace {
namespace {

// Every block is preceded by a header holding its system allocation and its
// free-list key, so release() needs no lookup. The payload starts `offset`
// bytes into the allocation, a power of two >= 64 (a cache line, an AVX-512
// vector) that is also its alignment.
struct Header {
  void *base;
  size_t key;
  /// Bytes of the mapping a block past a failure lives in; 0 for the heap.
  size_t mapped;
};
constexpr size_t kLine = 64;

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void *>> free;
  Stats stats;
  size_t limit = 0;
  std::optional<Failure> failure;
  /// Whether `failure` holds one: a step checks it without the lock.
  std::atomic<bool> failed{false};
};

Cache &cache() {
  // Never destroyed: compiled code may still free blocks during exit.
  static Cache *c = new Cache;
  return *c;
}

Header &headerOf(void *block) { return static_cast<Header *>(block)[-1]; }

// Payloads are whole cache lines, so the key's low 6 bits hold log2(offset).
size_t keyOf(size_t payload, size_t offset) {
  size_t log = 0;
  while ((size_t(1) << log) < offset)
    ++log;
  return payload | log;
}
size_t payloadOf(size_t key) { return key & ~(kLine - 1); }

} // namespace

void *allocate(size_t size, size_t alignment) {
  // Sizes round up to whole cache lines: more reuse.
  size_t payload = std::max<size_t>(kLine, (size + kLine - 1) / kLine * kLine);
  size_t offset = kLine;
  while (offset < alignment)
    offset *= 2;
  size_t key = keyOf(payload, offset);
  Cache &c = cache();
  void *block = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.limit && c.stats.liveBytes + payload > c.limit && !c.failure) {
      c.failure = Failure{size, c.stats.liveBytes, c.limit, false};
      c.failed.store(true, std::memory_order_release);
    }
    auto it = c.free.find(key);
    if (it != c.free.end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      c.stats.cachedBytes -= payload;
      --c.stats.cachedBlocks;
    } else {
      ++c.stats.systemAllocs;
    }
    ++c.stats.liveBlocks;
    c.stats.liveBytes += payload;
  }
  if (block)
    return block;
  // aligned_alloc wants a size that is a multiple of the alignment.
  size_t total = (offset + payload + offset - 1) / offset * offset;
  size_t mapped = 0;
  void *base = std::aligned_alloc(offset, total);
  if (!base) {
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      if (!c.failure || !c.failure->outOfMemory)
        c.failure = Failure{size, c.stats.liveBytes - payload, c.limit, true};
      c.failed.store(true, std::memory_order_release);
    }
    // Pages are only backed when touched; mappings are page aligned, which
    // covers every alignment compiled code asks for.
    base = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
      std::fprintf(stderr,
                   "kiln: out of memory: a compiled step asked for %zu bytes "
                   "of workspace, and neither the heap nor a mapping has "
                   "them\n",
                   size);
      std::abort();
    }
    mapped = total;
  }
  block = static_cast<char *>(base) + offset;
  headerOf(block) = Header{base, key, mapped};
  return block;
}

void release(void *block) {
  if (!block)
    return;
  Header header = headerOf(block);
  size_t payload = payloadOf(header.key);
  Cache &c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    --c.stats.liveBlocks;
    c.stats.liveBytes -= payload;
    if (!header.mapped && c.stats.cachedBytes + payload <= kMaxCachedBytes) {
      c.free[header.key].push_back(block);
      c.stats.cachedBytes += payload;
      ++c.stats.cachedBlocks;
      return;
    }
  }
  if (header.mapped)
    munmap(header.base, header.mapped);
  else
    std::free(header.base);
}

void trim() {
  Cache &c = cache();
  std::unordered_map<size_t, std::vector<void *>> blocks;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    blocks.swap(c.free);
    c.stats.cachedBytes = 0;
    c.stats.cachedBlocks = 0;
  }
  for (auto &entry : blocks)
    for (void *block : entry.second)
      std::free(headerOf(block).base);
}

void setLimit(size_t bytes) {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.limit = bytes;
}

size_t limit() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.limit;
}

std::optional<Failure> takeFailure() {
  Cache &c = cache();
  if (!c.failed.load(std::memory_order_acquire))
    return std::nullopt;
  std::lock_guard<std::mutex> lock(c.mutex);
  std::optional<Failure> f;
  f.swap(c.failure);
  c.failed.store(false, std::memory_order_relaxed);
  return f;
}

Stats stats() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.stats;
}

} // namespace kiln::workspace

extern "C" {

void *_mlir_memref_to_llvm_alloc(size_t size) {
  return kiln::workspace::allocate(size);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return kiln::workspace::allocate(size, alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) { kiln::workspace::release(ptr); }

} // extern "C"
