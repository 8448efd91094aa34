// Keras Dense.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

class DenseImpl : public LayerImpl {
public:
  DenseImpl(int64_t units, DenseOptions o)
      : LayerImpl("Dense", "dense", o.name,
                  o.input_dim > 0 ? Shape{o.input_dim} : o.input_shape),
        units(units), options(std::move(o)) {
    if (units <= 0)
      throwError(where(), "units must be positive, got ", units);
    checkActivation(options.activation, where());
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    if (x.size() < 2)
      throwError(where(), "expects an input of rank 2 or more (batch, ..., "
                          "features), got ",
                 shapeToString(x));
    if (x.back() < 0)
      throwError(where(), "the last input dimension must be known, got ",
                 shapeToString(x));
    Shape out = x;
    out.back() = units;
    return out;
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &in) const override {
    std::vector<WeightSpec> specs = {
        {"kernel", {in.front().back(), units}, options.kernel_initializer}};
    if (options.use_bias)
      specs.push_back({"bias", {units}, options.bias_initializer});
    return specs;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    mlir::Value bias = options.use_bias ? Emitter::value(w[1]) : mlir::Value();
    mlir::Value y = DenseOp::create(e.b, e.loc, Emitter::value(in.front()),
                                    Emitter::value(w[0]), bias);
    return e.activation(options.activation, Emitter::sym(y));
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("units", units);
    c.set("activation", options.activation);
    c.set("use_bias", options.use_bias);
    c.setInitializer("kernel_initializer", options.kernel_initializer);
    c.setInitializer("bias_initializer", options.bias_initializer);
    for (const char *k : {"kernel_regularizer", "bias_regularizer",
                          "kernel_constraint", "bias_constraint"})
      c.set(k, nullptr);
  }

private:
  int64_t units;
  DenseOptions options;
};

} // namespace

Dense::Dense(int64_t units, DenseOptions options)
    : Layer(std::make_shared<DenseImpl>(units, std::move(options))) {}

/// Keras 1 spells units, use_bias and kernel_initializer output_dim, bias
/// and init.
Layer denseFromConfig(saving::LayerConfig &c) {
  DenseOptions o;
  o.name = c.name();
  o.activation = c.activation("activation", "linear");
  o.use_bias = c.boolean("use_bias", c.boolean("bias", true));
  o.kernel_initializer = c.initializer(
      "kernel_initializer", c.initializer("init", Initializer("glorot_uniform")));
  o.bias_initializer = c.initializer("bias_initializer", Initializer("zeros"));
  for (const char *k : {"kernel_regularizer", "bias_regularizer",
                        "activity_regularizer", "kernel_constraint",
                        "bias_constraint", "W_regularizer", "b_regularizer",
                        "W_constraint", "b_constraint"})
    c.warnIfSet(k);
  int64_t units = c.has("units") ? c.integer("units") : c.integer("output_dim");
  return Dense(units, o);
}

} // namespace kiln::layers
