// Keras Flatten and Activation.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

class FlattenImpl : public LayerImpl {
public:
  explicit FlattenImpl(FlattenOptions o)
      : LayerImpl("Flatten", "flatten", o.name, o.input_shape) {}

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    int64_t n = 1;
    for (size_t i = 1; i < x.size(); ++i) {
      if (x[i] < 0)
        throwError(where(), "all non-batch dimensions must be known, got ",
                   shapeToString(x));
      n *= x[i];
    }
    return {x.front(), n};
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return e.reshape(in.front(), outputShape({Emitter::shapeOf(in.front())}));
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("data_format", "channels_last");
  }
};

class ActivationImpl : public LayerImpl {
public:
  ActivationImpl(std::string activation, ActivationOptions o)
      : LayerImpl("Activation", "activation", o.name, o.input_shape),
        activation(std::move(activation)) {
    checkActivation(this->activation, where());
  }
  Shape outputShape(const std::vector<Shape> &in) const override {
    return in.front();
  }
  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return e.activation(activation, in.front());
  }
  void getConfig(saving::LayerConfig &c) const override {
    c.set("activation", activation);
  }

private:
  std::string activation;
};

} // namespace

Flatten::Flatten(FlattenOptions options)
    : Layer(std::make_shared<FlattenImpl>(std::move(options))) {}

Activation::Activation(std::string activation, ActivationOptions options)
    : Layer(std::make_shared<ActivationImpl>(std::move(activation),
                                             std::move(options))) {}

Layer flattenFromConfig(saving::LayerConfig &c) {
  // channels_first would flatten rank-4 inputs in another order.
  c.expect("data_format", "channels_last");
  return Flatten({.name = c.name()});
}

Layer activationFromConfig(saving::LayerConfig &c) {
  return Activation(c.activation("activation", "linear"), {.name = c.name()});
}

} // namespace kiln::layers
