// Keras Bidirectional: a recurrent layer run over the input forwards and,
// as a copy with go_backwards flipped, backwards; the two outputs merged.
#include "frontend/Emitter.h"
#include "frontend/RecurrentLayers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

#include <algorithm>

namespace kiln::layers {
namespace {

using saving::Json;

/// A recurrent layer's Keras config (for the fields Bidirectional checks).
Json configOf(const LayerImpl &layer) {
  return saving::nestedLayerEntry(layer)["config"];
}

bool flag(const Json &config, const char *key) {
  return config.contains(key) && config[key].is_boolean() && config[key].get<bool>();
}

std::string withoutPrefix(const std::string &name, const std::string &prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

class BidirectionalImpl : public LayerImpl {
public:
  BidirectionalImpl(std::shared_ptr<LayerImpl> forward,
                    std::shared_ptr<LayerImpl> backward, std::string mergeMode,
                    const std::string &name, Shape inputShape)
      : LayerImpl("Bidirectional", "bidirectional", name, std::move(inputShape)),
        forward(std::move(forward)), backward(std::move(backward)),
        mergeMode(std::move(mergeMode)) {
    for (const auto &l : {this->forward, this->backward})
      if (l->className() != "SimpleRNN" && l->className() != "LSTM" &&
          l->className() != "GRU")
        throwError(where(), "wraps SimpleRNN, LSTM or GRU, not ", l->className());
    if (this->mergeMode != "concat" && this->mergeMode != "sum" &&
        this->mergeMode != "mul" && this->mergeMode != "ave" &&
        this->mergeMode != "None")
      throwError(where(), "merge_mode must be 'concat', 'sum', 'mul', 'ave' "
                          "or 'None' (Keras's None: both outputs), got '",
                 this->mergeMode, "'");
    Json f = configOf(*this->forward), b = configOf(*this->backward);
    if (flag(f, "go_backwards") == flag(b, "go_backwards"))
      throwError(where(), "the forward and backward layers must have different "
                          "go_backwards");
    returnSequences = flag(f, "return_sequences");
    if (returnSequences != flag(b, "return_sequences"))
      throwError(where(), "the forward and backward layers must agree on "
                          "return_sequences");
    returnState = flag(f, "return_state");
    if (returnState != flag(b, "return_state"))
      throwError(where(), "the forward and backward layers must agree on "
                          "return_state");
    if (flag(f, "stateful") || flag(b, "stateful"))
      throwError(where(), "stateful layers are not supported in Bidirectional yet");
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    return outputShapes(in).front();
  }

  /// The merged output (with merge_mode None: the forward, then the
  /// backward output), then with return_state the forward layer's last
  /// states and the backward layer's, as Keras returns them.
  std::vector<Shape> outputShapes(const std::vector<Shape> &in) const override {
    std::vector<Shape> f = forward->outputShapes(in), b = backward->outputShapes(in);
    if (b != f)
      throwError(where(), "the forward and backward layers give different "
                          "shapes");
    std::vector<Shape> out = {f.front()};
    if (mergeMode == "concat")
      out.front().back() *= 2;
    if (mergeMode == "None")
      out.push_back(b.front());
    out.insert(out.end(), f.begin() + 1, f.end());
    out.insert(out.end(), b.begin() + 1, b.end());
    return out;
  }

  /// Keras's `layer.layer`: the layer given, of which both directions are
  /// copies.
  std::pair<std::string, std::string> wrappedLayer() const override {
    return {withoutPrefix(forward->name(), "forward_"), forward->className()};
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &in) const override {
    std::vector<WeightSpec> specs;
    for (const auto &l : {forward, backward})
      for (WeightSpec spec : l->weightSpecs(in)) {
        spec.name = l->name() + "/" + spec.name;
        specs.push_back(std::move(spec));
      }
    return specs;
  }

  void finishInitialization(std::vector<Tensor> &weights) const override {
    size_t n = forwardCount();
    std::vector<Tensor> f(weights.begin(), weights.begin() + long(n)),
        b(weights.begin() + long(n), weights.end());
    forward->finishInitialization(f); // tensors share storage with `weights`
    backward->finishInitialization(b);
  }

  bool hasTrainingBehavior() const override {
    return forward->hasTrainingBehavior() || backward->hasTrainingBehavior();
  }

  /// Keras 3 keeps each direction's weights under its own attribute.
  std::vector<std::pair<std::string, size_t>> archiveWeightGroups() const override {
    auto below = [](const LayerImpl &l, const char *attr) {
      std::string sub = l.archiveWeightsGroup();
      return std::string(attr) + (sub.empty() ? "" : "/" + sub);
    };
    size_t n = forwardCount();
    return {{below(*forward, "forward_layer"), n},
            {below(*backward, "backward_layer"), kerasWeights().size() - n}};
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    return emitOutputs(e, in, w).front();
  }

  std::vector<Sym> emitOutputs(Emitter &e, const std::vector<Sym> &in,
                               const std::vector<Sym> &w) const override {
    size_t n = forwardCount();
    std::vector<Sym> wf(w.begin(), w.begin() + long(n)), wb(w.begin() + long(n), w.end());
    std::vector<Sym> fo = forward->emitOutputs(e, in, wf);
    std::vector<Sym> bo = backward->emitOutputs(e, in, wb);
    mlir::Value y = Emitter::value(fo.front()), yr = Emitter::value(bo.front());
    mlir::Value mask = e.maskOf(Emitter::value(in.front()));
    if (returnSequences) {
      // The backward sequence back in time order; Keras outputs zeros at
      // masked steps of both directions here (zero_output_for_mask).
      yr = ReverseOp::create(e.b, e.loc, yr, e.b.getI64IntegerAttr(1));
      if (mask) {
        y = MulOp::create(e.b, e.loc, y, mask);
        yr = MulOp::create(e.b, e.loc, yr, mask);
      }
    }
    std::vector<mlir::Value> outs;
    if (mergeMode == "None")
      outs = {y, yr};
    else if (mergeMode == "concat")
      outs = {ConcatenateOp::create(
          e.b, e.loc, mlir::ValueRange{y, yr},
          int64_t(Emitter::shapeOf(Emitter::sym(y)).size()) - 1)};
    else if (mergeMode == "mul")
      outs = {MulOp::create(e.b, e.loc, y, yr)};
    else
      outs = {AddOp::create(e.b, e.loc, y, yr)};
    if (mergeMode == "ave")
      outs.front() = MulOp::create(e.b, e.loc, outs.front(), e.scalar(0.5));
    std::vector<Sym> result;
    for (mlir::Value v : outs) {
      if (returnSequences && mask)
        e.masks.push_back({v, mask});
      result.push_back(Emitter::sym(v));
    }
    result.insert(result.end(), fo.begin() + 1, fo.end());
    result.insert(result.end(), bo.begin() + 1, bo.end());
    return result;
  }

  void getConfig(saving::LayerConfig &c) const override {
    if (mergeMode == "None")
      c.set("merge_mode", nullptr);
    else
      c.set("merge_mode", mergeMode);
    c.set("layer", saving::nestedLayerEntry(*forward));
    c.set("backward_layer", saving::nestedLayerEntry(*backward));
  }

private:
  /// How many of the weights are the forward layer's (they come first).
  size_t forwardCount() const {
    std::string prefix = forward->name() + "/";
    return size_t(std::count_if(specs().begin(), specs().end(),
                                [&](const WeightSpec &w) {
                                  return w.name.rfind(prefix, 0) == 0;
                                }));
  }

  std::shared_ptr<LayerImpl> forward, backward;
  std::string mergeMode;
  bool returnSequences = false, returnState = false;
};

/// The two directions of `layer`, as Keras makes them: copies through its
/// config, named forward_<name> and backward_<name>, the backward one with
/// go_backwards flipped (or `backward` itself when given).
std::pair<Layer, Layer> directions(saving::LayerConfig &c, const Json &layerEntry,
                                   const Layer *backward) {
  if (!layerEntry.is_object() || !layerEntry.contains("config") ||
      !layerEntry["config"].is_object())
    c.fail("'layer' must be a layer entry with a class_name and a config");
  Json &entry = c.json["layer"] = layerEntry;
  std::string name = withoutPrefix(
      withoutPrefix(entry["config"].value("name", std::string("rnn")), "forward_"),
      "backward_");
  bool goBackwards = flag(entry["config"], "go_backwards");
  Layer f = saving::nestedLayer(c, "layer", "forward_" + name);
  if (backward)
    return {f, *backward};
  return {f, saving::nestedLayer(c, "layer", "backward_" + name, !goBackwards)};
}

std::shared_ptr<LayerImpl> makeBidirectional(const Layer &layer,
                                             BidirectionalOptions &o) {
  if (!layer.impl())
    throwError("Bidirectional: needs a layer to wrap");
  Json holder = Json::object();
  saving::LayerConfig c(holder, "Bidirectional: ");
  auto [f, b] = directions(c, saving::nestedLayerEntry(*layer.impl()),
                           o.backward_layer ? &*o.backward_layer : nullptr);
  Shape input = !o.input_shape.empty() ? o.input_shape
                                       : layer.impl()->declaredInputShape();
  return std::make_shared<BidirectionalImpl>(f.impl(), b.impl(), o.merge_mode,
                                             o.name, std::move(input));
}

} // namespace

Bidirectional::Bidirectional(const Layer &layer, BidirectionalOptions o)
    : Layer(makeBidirectional(layer, o)) {}

/// Keras 3 writes both directions; Keras 2 the forward layer, unless a
/// backward layer was given.
Layer bidirectionalFromConfig(saving::LayerConfig &c) {
  std::optional<Layer> backward;
  if (c.json.contains("backward_layer") && !c.json["backward_layer"].is_null())
    backward = saving::nestedLayer(c, "backward_layer");
  if (!c.json.contains("layer"))
    c.fail("'layer' (the wrapped layer) is missing");
  Json entry = c.json["layer"];
  auto [f, b] = directions(c, entry, backward ? &*backward : nullptr);
  std::string mode = c.json.contains("merge_mode") && c.json["merge_mode"].is_null()
                         ? "None"
                         : c.string("merge_mode", "concat");
  return Layer(std::make_shared<BidirectionalImpl>(f.impl(), b.impl(), mode,
                                                   c.name(), Shape{}));
}

} // namespace kiln::layers
