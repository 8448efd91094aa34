// Keras's activation layers Softmax, ReLU and LeakyReLU
// (keras/layers/activations): the kiln ops of Activation("softmax") and
// Activation("relu"), and the leak as two scaled terms, as their own classes
// so that Keras files naming them load and save.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

/// max(x, 0) + slope * min(x, 0), as relu(x) * (1 - slope) + x * slope:
/// kiln ops whose gradients exist, which elementwise fusion makes one pass.
Sym leakyRelu(Emitter &e, Sym x, double slope) {
  Sym relu = e.activation("relu", x);
  if (slope == 0.0)
    return relu;
  auto scalar = [&](double c) {
    auto type = e.tensorType({});
    return mlir::arith::ConstantOp::create(
               e.b, e.loc, type,
               mlir::DenseElementsAttr::get(type,
                                            llvm::ArrayRef<float>{float(c)}))
        .getResult();
  };
  mlir::Value xv = Emitter::value(x), rv = Emitter::value(relu);
  mlir::Type type = xv.getType();
  mlir::Value kept = MulOp::create(e.b, e.loc, type, rv, scalar(1.0 - slope));
  mlir::Value leak = MulOp::create(e.b, e.loc, type, xv, scalar(slope));
  return Emitter::sym(AddOp::create(e.b, e.loc, type, kept, leak));
}

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

/// ReLU and LeakyReLU: max(x, 0) + slope * min(x, 0); they differ in their
/// Keras configs.
class LeakImpl : public LayerImpl {
public:
  LeakImpl(const char *className, const char *prefix, const std::string &name,
           const Shape &inputShape, double slope)
      : LayerImpl(className, prefix, name, inputShape), slope(slope) {
    if (!(slope >= 0.0))
      throwError(where(), "negative_slope must be 0 or more, not ", slope);
  }
  Shape outputShape(const std::vector<Shape> &in) const override {
    return in.front();
  }
  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return leakyRelu(e, in.front(), slope);
  }

protected:
  double slope;
};

class ReLUImpl : public LeakImpl {
public:
  explicit ReLUImpl(ReLUOptions o)
      : LeakImpl("ReLU", "re_lu", o.name, o.input_shape, o.negative_slope) {
    if (o.max_value || o.threshold != 0.0)
      throwError(where(), "max_value and threshold are not supported yet: "
                          "Kiln's ReLU is max(x, 0) + negative_slope * "
                          "min(x, 0)");
  }
  void getConfig(saving::LayerConfig &c) const override {
    c.set("max_value", nullptr);
    c.set("negative_slope", slope);
    c.set("threshold", 0.0);
  }
};

class LeakyReLUImpl : public LeakImpl {
public:
  explicit LeakyReLUImpl(LeakyReLUOptions o)
      : LeakImpl("LeakyReLU", "leaky_re_lu", o.name, o.input_shape,
                 o.negative_slope) {}
  void getConfig(saving::LayerConfig &c) const override {
    c.set("negative_slope", slope);
  }
};

} // namespace

Softmax::Softmax(SoftmaxOptions options)
    : Layer(std::make_shared<SoftmaxImpl>(std::move(options))) {}

ReLU::ReLU(ReLUOptions options)
    : Layer(std::make_shared<ReLUImpl>(std::move(options))) {}

LeakyReLU::LeakyReLU(LeakyReLUOptions options)
    : Layer(std::make_shared<LeakyReLUImpl>(std::move(options))) {}

Layer leakyReluFromConfig(saving::LayerConfig &c) {
  // Keras 3's negative_slope, Keras 2's alpha; 0.3 in both.
  double slope = c.number("negative_slope", c.number("alpha", 0.3));
  try {
    return LeakyReLU({.negative_slope = slope, .name = c.name()});
  } catch (const Error &e) {
    c.fail(e.what());
  }
}

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
