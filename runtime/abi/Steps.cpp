// What a compiled model hands the runtime.
#include "runtime/abi/Steps.h"

#include <algorithm>

namespace kiln::abi {

size_t StepSignature::numTrainable() const {
  return static_cast<size_t>(std::count(trainable.begin(), trainable.end(), true));
}

} // namespace kiln::abi
