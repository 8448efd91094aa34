// Keras's activation layers Softmax and ReLU (keras/layers/activations):
// the same kiln ops as Activation("softmax") and Activation("relu"), as
// their own classes so that Keras files naming them load and save.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

class SoftmaxImpl : public LayerImpl {
public:
  explicit SoftmaxImpl(SoftmaxOptions o)
      : LayerImpl("Softmax", "softmax", o.name, o.input_shape), axis(o.axis) {}

  Shape outputShape(const std::vector<Shape> &in) const override {
    int64_t rank = int64_t(in.front().size());
    if (axis != -1 && axis != rank - 1)
      throwError(where(), "axis ", axis, " is not supported for a rank-", rank,
                 " input: Kiln normalizes over the last axis (-1)");
    if (rank < 2)
      throwError(where(), "expects a (batch, ..., features) input, got ",
                 shapeToString(in.front()));
    return in.front();
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return e.activation("softmax", in.front());
  }

  void getConfig(saving::LayerConfig &c) const override { c.set("axis", axis); }

private:
  int64_t axis;
};

class ReLUImpl : public LayerImpl {
public:
  explicit ReLUImpl(ReLUOptions o)
      : LayerImpl("ReLU", "re_lu", o.name, o.input_shape) {
    if (o.max_value || o.negative_slope != 0.0 || o.threshold != 0.0)
      throwError(where(), "max_value, negative_slope and threshold are not "
                          "supported yet: Kiln's ReLU is max(x, 0)");
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    return in.front();
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return e.activation("relu", in.front());
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("max_value", nullptr);
    c.set("negative_slope", 0.0);
    c.set("threshold", 0.0);
  }
};

} // namespace

Softmax::Softmax(SoftmaxOptions options)
    : Layer(std::make_shared<SoftmaxImpl>(std::move(options))) {}

ReLU::ReLU(ReLUOptions options)
    : Layer(std::make_shared<ReLUImpl>(std::move(options))) {}

Layer softmaxFromConfig(saving::LayerConfig &c) {
  const saving::Json &axis = c.json.contains("axis") ? c.json["axis"] : saving::Json(-1);
  if (axis.is_array() && axis.size() == 1 && axis[0].is_number_integer())
    return Softmax({.axis = axis[0].get<int64_t>(), .name = c.name()});
  return Softmax({.axis = c.integer("axis", -1), .name = c.name()});
}

Layer reluFromConfig(saving::LayerConfig &c) {
  ReLUOptions o;
  o.name = c.name();
  if (c.has("max_value"))
    o.max_value = c.number("max_value", 0.0);
  o.negative_slope = c.number("negative_slope", c.number("alpha", 0.0));
  o.threshold = c.number("threshold", 0.0);
  try {
    return ReLU(o);
  } catch (const Error &e) {
    c.fail(e.what());
  }
}

} // namespace kiln::layers
