// What a compiled model hands the runtime.
#include "runtime/abi/Steps.h"

#include <algorithm>

namespace kiln::abi {

size_t StepSignature::numTrainable() const {
  return static_cast<size_t>(std::count(trainable.begin(), trainable.end(), true));
}

size_t StepSignature::resultWidth() const {
  if (resultSpecs.empty())
    return resultNames.size();
  size_t width = 0;
  for (const ResultSpec &spec : resultSpecs)
    width = std::max<size_t>(width, spec.offset + spec.width());
  return width;
}

} // namespace kiln::abi
