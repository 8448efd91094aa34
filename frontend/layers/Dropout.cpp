// Keras Dropout: a kiln.dropout in the training function only.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

class DropoutImpl : public LayerImpl {
public:
  DropoutImpl(double rate, DropoutOptions o)
      : LayerImpl("Dropout", "dropout", o.name, o.input_shape), rate(rate),
        explicitSeed(o.seed),
        seed(o.seed ? *o.seed : int64_t(detail::globalRng()() >> 1)) {
    if (!(rate >= 0.0 && rate < 1.0))
      throwError(where(), "rate must be in [0, 1), got ", rate);
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    return in.front();
  }
  bool hasTrainingBehavior() const override { return rate > 0.0; }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    if (!e.training || rate == 0.0)
      return in.front();
    mlir::Value x = Emitter::value(in.front());
    mlir::Value out = DropoutOp::create(e.b, e.loc, x, e.step,
                                        e.b.getF32FloatAttr(float(rate)),
                                        e.b.getI64IntegerAttr(seed));
    // Keras's Dropout supports masking: the mask goes on.
    if (mlir::Value mask = e.maskOf(x))
      e.masks.push_back({out, mask});
    return Emitter::sym(out);
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("rate", rate);
    c.set("noise_shape", nullptr);
    if (explicitSeed)
      c.set("seed", *explicitSeed);
    else
      c.set("seed", nullptr);
  }

private:
  double rate;
  std::optional<int64_t> explicitSeed;
  int64_t seed;
};

} // namespace

Dropout::Dropout(double rate, DropoutOptions options)
    : Layer(std::make_shared<DropoutImpl>(rate, std::move(options))) {}

/// Keras 1 spells rate `p`.
Layer dropoutFromConfig(saving::LayerConfig &c) {
  c.expectNull("noise_shape");
  DropoutOptions o;
  o.name = c.name();
  if (c.has("seed") && !c.json["seed"].is_null())
    o.seed = c.integer("seed");
  double rate = c.has("rate") ? c.number("rate", 0.0) : c.number("p", 0.0);
  return Dropout(rate, o);
}

} // namespace kiln::layers
