// The allocator behind compiled code's temporaries.
//
// Compiled steps allocate their intermediate buffers (activations, gradients)
// on every call, in the same sizes and order each time. Through malloc, a
// buffer above glibc's mmap threshold is a fresh mapping every step, and all
// of its pages fault and are zeroed again (a quarter of the CNN's training
// time). Compiled code calls MLIR's generic allocation functions instead
// (`_mlir_memref_to_llvm_alloc` / `_free`, defined here), and freed blocks
// wait in per-size free lists for the next step. Cached blocks are capped;
// `trim()` returns them all.
//
// Compiled code cannot unwind: an exception thrown from inside it (or from
// an OpenMP worker running it) ends the process. So allocation never throws.
// A step that goes over the workspace limit, or finds the system out of
// memory, still gets its block (from the system, or from a lazily backed
// mapping), runs to its end, and the failure waits in a status that the
// runtime takes after the step and reports as a kiln::Error.
#ifndef KILN_RUNTIME_ABI_WORKSPACE_H
#define KILN_RUNTIME_ABI_WORKSPACE_H

#include <cstddef>
#include <optional>

namespace kiln::workspace {

/// A block of at least `size` bytes, aligned to `alignment` and to at least
/// 64 bytes; never null and never throws (a failure is recorded, see
/// takeFailure; only when not even a mapping can be had does the process
/// abort, with a message).
void *allocate(size_t size, size_t alignment = 64);
/// Returns a block from allocate() (null is ignored).
void release(void *block);
/// Frees every cached block.
void trim();

struct Stats {
  size_t cachedBytes = 0;  ///< in free lists
  size_t cachedBlocks = 0;
  size_t liveBlocks = 0;   ///< allocated and not released
  size_t liveBytes = 0;    ///< their payloads
  size_t systemAllocs = 0; ///< allocations that had to call the system
};
Stats stats();

/// The most bytes of live blocks (payloads); 0, the default, is no limit.
/// Going over it is a failure (takeFailure), as running out of memory is.
void setLimit(size_t bytes);
size_t limit();

/// The first allocation that failed since the last call, if any.
struct Failure {
  size_t requested = 0; ///< bytes asked for
  size_t liveBytes = 0; ///< bytes live before it
  size_t limit = 0;     ///< the limit then (0: none)
  bool outOfMemory = false; ///< the system refused, not the limit
};
std::optional<Failure> takeFailure();

/// Bytes kept in free lists at most; above it, released blocks are freed.
constexpr size_t kMaxCachedBytes = size_t(1) << 30;

} // namespace kiln::workspace

extern "C" {
// MLIR's generic allocation functions (finalize-memref-to-llvm with
// use-generic-functions); an ahead-of-time binary links them from here.
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
}

#endif // KILN_RUNTIME_ABI_WORKSPACE_H
