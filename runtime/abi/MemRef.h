// The calling convention of compiled Kiln steps, without LLVM.
//
// Every step is `void step(void **args)` (MLIR's packed C interface):
// args[i] points to a pointer to argument i's memref descriptor,
//   { T *allocated; T *aligned; int64_t offset; int64_t sizes[rank];
//     int64_t strides[rank]; }
// An ArgPack builds all descriptors of one call once; per batch the runtime
// only rebinds the batch arguments (a pointer and a size), so calling a step
// allocates nothing.
#ifndef KILN_RUNTIME_ABI_MEMREF_H
#define KILN_RUNTIME_ABI_MEMREF_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::abi {

using PackedFn = void (*)(void **);

/// One memref descriptor of a row-major buffer.
class MemRefDescriptor {
public:
  /// Points the descriptor at `data` with the given sizes (row-major strides).
  void bind(void *data, const std::vector<int64_t> &sizes);
  /// Changes only the data pointer and the leading size: a new batch.
  void rebindBatch(void *data, int64_t batch);
  void *get() { return words.data(); }
  int64_t rank() const { return rank_; }
  /// Size `d` (d < rank()).
  int64_t size(int64_t d) const { return words[3 + d]; }

private:
  std::vector<int64_t> words;
  int64_t rank_ = 0;
};

/// The packed argument array of one step call.
class ArgPack {
public:
  explicit ArgPack(size_t count = 0) { resize(count); }
  void resize(size_t count);
  MemRefDescriptor &operator[](size_t i) { return descriptors[i]; }
  size_t size() const { return descriptors.size(); }
  /// Calls `fn` with every descriptor.
  void call(PackedFn fn);

private:
  std::vector<MemRefDescriptor> descriptors;
  std::vector<void *> pointers, packed;
};

} // namespace kiln::abi

#endif // KILN_RUNTIME_ABI_MEMREF_H
