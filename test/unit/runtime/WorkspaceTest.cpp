#include "runtime/abi/Workspace.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

namespace ws = kiln::workspace;

namespace {

bool alignedTo(void *p, uintptr_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

TEST(RuntimeWorkspace, ReleasedBlockIsReusedForTheSameSize) {
  ws::trim();
  void *a = ws::allocate(300 * 1024);
  std::memset(a, 1, 300 * 1024);
  ws::release(a);
  size_t before = ws::stats().systemAllocs;
  void *b = ws::allocate(300 * 1024);
  EXPECT_EQ(a, b);
  EXPECT_EQ(ws::stats().systemAllocs, before);
  // Another size does not take it.
  void *c = ws::allocate(100);
  EXPECT_NE(c, b);
  EXPECT_EQ(ws::stats().systemAllocs, before + 1);
  ws::release(b);
  ws::release(c);
  ws::trim();
}

TEST(RuntimeWorkspace, BlocksAreAlignedAndDistinctWhileLive) {
  ws::trim();
  std::vector<void *> blocks;
  for (size_t size : {size_t(1), size_t(63), size_t(64), size_t(65),
                      size_t(4096), size_t(1) << 20})
    blocks.push_back(ws::allocate(size));
  for (void *p : blocks)
    EXPECT_TRUE(alignedTo(p, 64));
  void *wide = _mlir_memref_to_llvm_aligned_alloc(4096, 1000);
  EXPECT_TRUE(alignedTo(wide, 4096));
  // Writing every byte of each block must not touch another block.
  std::memset(blocks[4], 7, 4096);
  std::memset(blocks[3], 9, 65);
  EXPECT_EQ(static_cast<unsigned char *>(blocks[4])[0], 7);
  EXPECT_EQ(ws::stats().liveBlocks, blocks.size() + 1);
  _mlir_memref_to_llvm_free(wide);
  for (void *p : blocks)
    _mlir_memref_to_llvm_free(p);
  EXPECT_EQ(ws::stats().liveBlocks, 0u);
  EXPECT_EQ(ws::stats().cachedBlocks, blocks.size() + 1);
  ws::trim();
  EXPECT_EQ(ws::stats().cachedBlocks, 0u);
  EXPECT_EQ(ws::stats().cachedBytes, 0u);
  _mlir_memref_to_llvm_free(nullptr);
}

TEST(RuntimeWorkspace, AlignmentIsPartOfTheSizeClass) {
  ws::trim();
  void *a = _mlir_memref_to_llvm_aligned_alloc(4096, 256);
  _mlir_memref_to_llvm_free(a);
  // Same size, default alignment: not the 4096-aligned block's class.
  void *b = ws::allocate(256);
  EXPECT_NE(a, b);
  void *c = _mlir_memref_to_llvm_aligned_alloc(4096, 256);
  EXPECT_EQ(a, c);
  ws::release(b);
  ws::release(c);
  ws::trim();
}

TEST(RuntimeWorkspace, CacheIsCapped) {
  ws::trim();
  size_t big = ws::kMaxCachedBytes / 2 + 64;
  void *a = ws::allocate(big);
  void *b = ws::allocate(big);
  ws::release(a);
  ws::release(b); // over the cap: freed, not cached
  EXPECT_EQ(ws::stats().cachedBlocks, 1u);
  EXPECT_LE(ws::stats().cachedBytes, ws::kMaxCachedBytes);
  ws::trim();
}

TEST(RuntimeWorkspace, ThreadsAllocateAndReleaseConcurrently) {
  ws::trim();
  auto work = [] {
    for (int i = 0; i < 2000; ++i) {
      size_t size = 64 * (1 + i % 7);
      auto *p = static_cast<unsigned char *>(ws::allocate(size));
      std::memset(p, i & 255, size);
      EXPECT_EQ(p[size - 1], i & 255);
      ws::release(p);
    }
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  EXPECT_EQ(ws::stats().liveBlocks, 0u);
  // Two threads, seven sizes: at most 14 blocks were ever needed.
  EXPECT_LE(ws::stats().cachedBlocks, 14u);
  ws::trim();
}

// A page-aligned block of a few lines: the system allocation must still be a
// whole number of alignments (C's aligned_alloc; the sanitizer build reports
// anything else), and the whole payload is usable.
TEST(RuntimeWorkspace, WideAlignmentOfSmallBlocks) {
  ws::trim();
  for (size_t size : {size_t(1), size_t(1000), size_t(4096), size_t(5000)}) {
    void *p = _mlir_memref_to_llvm_aligned_alloc(4096, size);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(alignedTo(p, 4096)) << size;
    std::memset(p, 0x5a, size);
    EXPECT_EQ(static_cast<unsigned char *>(p)[size - 1], 0x5a);
    _mlir_memref_to_llvm_free(p);
  }
  ws::trim();
}

} // namespace

// Tests the workspace limit: going over it still gives a usable block (the
// compiled code that asked cannot unwind) and leaves one failure, the first,
// for the runtime to take; taking it clears it.
TEST(RuntimeWorkspace, LimitIsRecordedNotThrown) {
  ws::setLimit(4096);
  ASSERT_FALSE(ws::takeFailure());
  void *a = ws::allocate(4000);
  EXPECT_FALSE(ws::takeFailure()) << "within the limit";
  void *b = ws::allocate(1000);
  void *c = ws::allocate(3000);
  ASSERT_NE(b, nullptr);
  std::memset(b, 1, 1000);
  std::memset(c, 2, 3000);
  std::optional<ws::Failure> f = ws::takeFailure();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->requested, 1000u);
  EXPECT_EQ(f->liveBytes, 4032u);
  EXPECT_EQ(f->limit, 4096u);
  EXPECT_FALSE(f->outOfMemory);
  EXPECT_FALSE(ws::takeFailure());
  ws::release(a);
  ws::release(b);
  ws::release(c);
  ws::setLimit(0);
  void *big = ws::allocate(1 << 20);
  ws::release(big);
  EXPECT_FALSE(ws::takeFailure()) << "no limit";
  EXPECT_EQ(ws::stats().liveBytes, 0u);
}
