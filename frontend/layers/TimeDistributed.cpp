// Keras TimeDistributed: one layer applied to every time step of a
// (batch, time, ...) input. The layers it takes act on the last axis alone
// (Dense, activations, Dropout, BatchNormalization), so the wrapped layer
// runs once on the whole (batch, time, features) tensor.
#include "frontend/Emitter.h"
#include "frontend/RecurrentLayers.h"
#include "frontend/saving/LayerConfig.h"

#include "runtime/Error.h"

#include <algorithm>
#include <iterator>

namespace kiln::layers {
namespace {

class TimeDistributedImpl : public LayerImpl {
public:
  TimeDistributedImpl(std::shared_ptr<LayerImpl> inner, const std::string &name,
                      Shape inputShape)
      : LayerImpl("TimeDistributed", "time_distributed", name,
                  std::move(inputShape)),
        inner(std::move(inner)) {
    if (!this->inner)
      throwError(where(), "needs a layer to wrap");
    static const char *const kLastAxis[] = {
        "Dense", "Activation", "Dropout", "ReLU", "LeakyReLU", "Softmax",
        "BatchNormalization"};
    if (std::find(std::begin(kLastAxis), std::end(kLastAxis),
                  this->inner->className()) == std::end(kLastAxis))
      throwError(where(), "wrapping ", this->inner->className(),
                 " is not supported yet (Kiln wraps layers that act on the "
                 "last axis: Dense, Activation, Dropout, ReLU, LeakyReLU, "
                 "Softmax, BatchNormalization)");
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    checkRank(in.front());
    return inner->outputShape(in);
  }

  std::pair<std::string, std::string> wrappedLayer() const override {
    return {inner->name(), inner->className()};
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &in) const override {
    return inner->weightSpecs(in);
  }
  void finishInitialization(std::vector<Tensor> &weights) const override {
    inner->finishInitialization(weights);
  }
  bool hasTrainingBehavior() const override { return inner->hasTrainingBehavior(); }
  /// Keras 3 keeps the wrapped layer's weights under its `layer`.
  std::string archiveWeightsGroup() const override {
    std::string sub = inner->archiveWeightsGroup();
    return sub.empty() ? "layer" : "layer/" + sub;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    Sym result = inner->emit(e, in, w);
    // Keras's TimeDistributed passes a mask on.
    if (mlir::Value mask = e.maskOf(Emitter::value(in.front())))
      e.masks.push_back({Emitter::value(result), mask});
    return result;
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("layer", saving::nestedLayerEntry(*inner));
  }

private:
  void checkRank(const Shape &x) const {
    if (x.size() < 3)
      throwError(where(), "expects an input of rank 3 or more (batch, time, "
                          "...), got ",
                 shapeToString(x));
  }

  std::shared_ptr<LayerImpl> inner;
};

} // namespace

TimeDistributed::TimeDistributed(const Layer &layer, TimeDistributedOptions o)
    : Layer(std::make_shared<TimeDistributedImpl>(layer.impl(), o.name,
                                                  std::move(o.input_shape))) {}

Layer timeDistributedFromConfig(saving::LayerConfig &c) {
  return Layer(std::make_shared<TimeDistributedImpl>(
      saving::nestedLayer(c, "layer").impl(), c.name(), Shape{}));
}

} // namespace kiln::layers
