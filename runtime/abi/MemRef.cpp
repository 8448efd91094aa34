// The calling convention of compiled Kiln steps, without LLVM.
#include "runtime/abi/MemRef.h"

namespace kiln::abi {

void MemRefDescriptor::bind(void *data, const std::vector<int64_t> &sizes) {
  rank_ = static_cast<int64_t>(sizes.size());
  words.assign(3 + 2 * sizes.size(), 0);
  auto ptr = static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  words[0] = words[1] = ptr;
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    words[3 + i] = sizes[i];
    words[3 + sizes.size() + i] = stride;
    stride *= sizes[i];
  }
}

void MemRefDescriptor::rebindBatch(void *data, int64_t batch) {
  auto ptr = static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  words[0] = words[1] = ptr;
  if (rank_ > 0)
    words[3] = batch;
}

void ArgPack::resize(size_t count) {
  descriptors.resize(count);
  pointers.assign(count, nullptr);
  packed.assign(count, nullptr);
}

void ArgPack::call(PackedFn fn) {
  // Descriptors never move after resize(), so these pointers stay valid; they
  // are refreshed here because bind() may reallocate a descriptor's words.
  for (size_t i = 0; i < descriptors.size(); ++i) {
    pointers[i] = descriptors[i].get();
    packed[i] = &pointers[i];
  }
  fn(packed.data());
}

} // namespace kiln::abi
