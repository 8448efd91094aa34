// Keras Reshape: kiln.reshape to (batch, *target_shape), with one -1 in the
// target inferred from the input's size, as Keras does.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

#include <cstdint>

namespace kiln::layers {
namespace {

class ReshapeImpl : public LayerImpl {
public:
  ReshapeImpl(Shape target, ReshapeOptions o)
      : LayerImpl("Reshape", "reshape", o.name, o.input_shape),
        target(std::move(target)) {
    int unknown = 0;
    int64_t known = 1;
    for (int64_t d : this->target) {
      if (d == -1)
        ++unknown;
      else if (d < 1)
        throwError(where(), "target_shape ", shapeToString(this->target),
                   " has a dimension below 1 other than -1");
      else if (__builtin_mul_overflow(known, d, &known))
        throwError(where(), "target_shape ", shapeToString(this->target),
                   " is too large");
    }
    if (unknown > 1)
      throwError(where(), "target_shape ", shapeToString(this->target),
                 " has more than one -1");
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    int64_t size = 1, known = 1;
    for (size_t i = 1; i < x.size(); ++i) {
      if (x[i] < 0)
        throwError(where(), "all non-batch dimensions must be known, got ",
                   shapeToString(x));
      size *= x[i];
    }
    for (int64_t d : target)
      if (d != -1)
        known *= d;
    Shape out = {x.front()};
    for (int64_t d : target)
      out.push_back(d == -1 ? size / known : d);
    bool inferred = known != 0 && size % known == 0;
    int64_t total = 1;
    for (size_t i = 1; i < out.size(); ++i)
      total *= out[i];
    if (!inferred || total != size)
      throwError(where(), "cannot reshape ", shapeToString(x), " (", size,
                 " values per sample) to target_shape ",
                 shapeToString(target));
    return out;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return e.reshape(in.front(), outputShape({Emitter::shapeOf(in.front())}));
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("target_shape", target);
  }

private:
  Shape target;
};

} // namespace

Reshape::Reshape(Shape target_shape, ReshapeOptions options)
    : Layer(std::make_shared<ReshapeImpl>(std::move(target_shape),
                                          std::move(options))) {}

Layer reshapeFromConfig(saving::LayerConfig &c) {
  const saving::Json &t = c.json.contains("target_shape") ? c.json["target_shape"]
                                                  : saving::Json();
  if (!t.is_array() || t.empty())
    c.fail("target_shape must be a non-empty list of integers");
  Shape target;
  for (const saving::Json &d : t) {
    if (!d.is_number_integer() ||
        (d.is_number_unsigned() && d.get<uint64_t>() > uint64_t(INT64_MAX)))
      c.fail("target_shape must be a list of integers, got " + t.dump());
    target.push_back(d.get<int64_t>());
  }
  return Reshape(target, {.name = c.name()});
}

} // namespace kiln::layers
