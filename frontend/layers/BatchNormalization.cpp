// Keras BatchNormalization: batch statistics and moving-average updates in
// the training function, the moving statistics elsewhere. Built from kiln
// reductions and arithmetic, so kiln-autodiff differentiates the batch
// statistics like any other computation.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

#include <numeric>

namespace kiln::layers {
namespace {

class BatchNormalizationImpl : public LayerImpl {
public:
  explicit BatchNormalizationImpl(BatchNormalizationOptions o)
      : LayerImpl("BatchNormalization", "batch_normalization", o.name,
                  o.input_shape),
        options(std::move(o)) {
    if (!(options.epsilon > 0.0))
      throwError(where(), "epsilon must be positive, got ", options.epsilon);
    if (!(options.momentum >= 0.0 && options.momentum <= 1.0))
      throwError(where(), "momentum must be in [0, 1], got ", options.momentum);
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    int64_t rank = int64_t(x.size());
    if (rank < 2)
      throwError(where(), "expects an input of rank 2 or more, got ",
                 shapeToString(x));
    if (options.axis != -1 && options.axis != rank - 1)
      throwError(where(), "normalizes over the last axis only (axis=-1 or ",
                 rank - 1, "), got axis=", options.axis);
    if (x.back() < 0)
      throwError(where(), "the last input dimension must be known, got ",
                 shapeToString(x));
    return x;
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &in) const override {
    Shape c = {in.front().back()};
    std::vector<WeightSpec> specs;
    if (options.scale)
      specs.push_back({"gamma", c, options.gamma_initializer});
    if (options.center)
      specs.push_back({"beta", c, options.beta_initializer});
    specs.push_back({"moving_mean", c, options.moving_mean_initializer, false});
    specs.push_back(
        {"moving_variance", c, options.moving_variance_initializer, false});
    return specs;
  }

  bool hasTrainingBehavior() const override { return true; }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    mlir::OpBuilder &b = e.b;
    mlir::Location loc = e.loc;
    mlir::Value x = Emitter::value(in.front());
    size_t k = 0;
    mlir::Value gamma = options.scale ? Emitter::value(w[k++]) : mlir::Value();
    mlir::Value beta = options.center ? Emitter::value(w[k++]) : mlir::Value();
    mlir::Value movingMean = Emitter::value(w[k++]);
    mlir::Value movingVar = Emitter::value(w[k++]);
    mlir::Value eps = e.scalar(options.epsilon);

    mlir::Value centered, variance;
    if (e.training) {
      // Statistics over every axis but the last: the batch (and the
      // spatial positions of a convolution's output).
      std::vector<int64_t> axes(Emitter::shapeOf(in.front()).size() - 1);
      std::iota(axes.begin(), axes.end(), 0);
      auto axesAttr = b.getDenseI64ArrayAttr(axes);
      mlir::Value mean = ReduceMeanOp::create(b, loc, x, axesAttr);
      centered = SubOp::create(b, loc, x, mean);
      variance = ReduceMeanOp::create(
          b, loc, MulOp::create(b, loc, centered, centered), axesAttr);
      // moving = moving * momentum + batch * (1 - momentum), Keras 3's rule
      // (the biased batch variance).
      mlir::Value m = e.scalar(options.momentum);
      mlir::Value rest = e.scalar(1.0 - options.momentum);
      auto move = [&](mlir::Value moving, mlir::Value batch) {
        return AddOp::create(b, loc, MulOp::create(b, loc, moving, m),
                             MulOp::create(b, loc, batch, rest));
      };
      e.stateUpdates.push_back({movingMean, move(movingMean, mean)});
      e.stateUpdates.push_back({movingVar, move(movingVar, variance)});
    } else {
      centered = SubOp::create(b, loc, x, movingMean);
      variance = movingVar;
    }
    mlir::Value factor =
        RsqrtOp::create(b, loc, AddOp::create(b, loc, variance, eps));
    if (gamma)
      factor = MulOp::create(b, loc, factor, gamma);
    mlir::Value y = MulOp::create(b, loc, centered, factor);
    if (beta)
      y = AddOp::create(b, loc, y, beta);
    return Emitter::sym(y);
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("axis", options.axis);
    c.set("momentum", options.momentum);
    c.set("epsilon", options.epsilon);
    c.set("center", options.center);
    c.set("scale", options.scale);
    c.setInitializer("beta_initializer", options.beta_initializer);
    c.setInitializer("gamma_initializer", options.gamma_initializer);
    c.setInitializer("moving_mean_initializer", options.moving_mean_initializer);
    c.setInitializer("moving_variance_initializer",
                     options.moving_variance_initializer);
    for (const char *k : {"beta_regularizer", "gamma_regularizer",
                          "beta_constraint", "gamma_constraint"})
      c.set(k, nullptr);
  }

private:
  BatchNormalizationOptions options;
};

} // namespace

BatchNormalization::BatchNormalization(BatchNormalizationOptions options)
    : Layer(std::make_shared<BatchNormalizationImpl>(std::move(options))) {}

/// Keras 2 saves the built layer's axis as a list (`[3]`); Keras 1 has a
/// `mode`, of which Kiln supports 0 (feature-wise, the only one Keras 2 kept).
Layer batchNormalizationFromConfig(saving::LayerConfig &c) {
  BatchNormalizationOptions o;
  o.name = c.name();
  if (c.has("axis")) {
    const saving::Json &axis = c.json["axis"];
    if (axis.is_array() && axis.size() == 1 && axis[0].is_number_integer())
      o.axis = axis[0].get<int64_t>();
    else if (axis.is_number_integer())
      o.axis = axis.get<int64_t>();
    else
      c.fail("'axis' = " + axis.dump() +
             " is not supported (Kiln normalizes over one axis, the last)");
  }
  c.expect("mode", 0);
  c.expect("synchronized", false);
  c.expect("renorm", false);
  c.expectNull("virtual_batch_size");
  c.expectNull("adjustment");
  o.momentum = c.number("momentum", 0.99);
  o.epsilon = c.number("epsilon", 1e-3);
  o.center = c.boolean("center", true);
  o.scale = c.boolean("scale", true);
  o.beta_initializer = c.initializer("beta_initializer", Initializer("zeros"));
  o.gamma_initializer = c.initializer("gamma_initializer", Initializer("ones"));
  o.moving_mean_initializer =
      c.initializer("moving_mean_initializer", Initializer("zeros"));
  o.moving_variance_initializer =
      c.initializer("moving_variance_initializer", Initializer("ones"));
  for (const char *k : {"beta_regularizer", "gamma_regularizer",
                        "beta_constraint", "gamma_constraint"})
    c.warnIfSet(k);
  return BatchNormalization(o);
}

} // namespace kiln::layers
