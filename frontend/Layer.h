// Layers and symbolic tensors: the graph a Kiln model is built from.
//
// A model is a DAG of layers from the start. `Layer` is a cheap handle (a
// shared pointer), so `Dense(32)(x)` and `model.add(Dense(32))` work as in
// Keras and calling the same handle twice shares its weights. Nothing here
// includes MLIR: a layer emits kiln IR through the frontend's Emitter, seen
// by layers only as opaque `Sym` values.
#ifndef KILN_FRONTEND_LAYER_H
#define KILN_FRONTEND_LAYER_H

#include "frontend/Initializers.h"
#include "runtime/Tensor.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kiln {

class Emitter;
class LayerImpl;
namespace saving {
class LayerConfig;
} // namespace saving

/// An SSA value of the model being emitted (an mlir::Value, opaque here).
struct Sym {
  void *value = nullptr;
};

/// A weight a layer owns: Keras's `add_weight`.
struct WeightSpec {
  std::string name;
  Shape shape;
  Initializer initializer;
  bool trainable = true;
  /// A stateful recurrent layer's carried state (Keras's `layer.states`):
  /// a parameter of the compiled steps that every step rewrites, but not a
  /// weight: get_weights, saving and summary() leave it out, and
  /// reset_states() zeroes it.
  /// States follow a layer's weights in weightSpecs' order.
  bool state = false;
};

namespace detail {
struct Node;
} // namespace detail

/// A symbolic tensor: the output of `Input(...)` or of a layer call. Its
/// shape has -1 where Keras prints None (the batch).
class KerasTensor {
public:
  KerasTensor() = default;
  explicit KerasTensor(std::shared_ptr<detail::Node> node, size_t index = 0)
      : node_(std::move(node)), index_(index) {}
  const Shape &shape() const;
  const std::shared_ptr<detail::Node> &node() const { return node_; }
  /// Which of its node's outputs this is (Keras's tensor_index): 0 but for
  /// layers that return several tensors (a recurrent layer's states).
  size_t index() const { return index_; }
  bool valid() const { return node_ != nullptr; }

private:
  std::shared_ptr<detail::Node> node_;
  size_t index_ = 0;
};

/// Keras's `Input(shape=...)`: a placeholder for a batch of samples of
/// `shape` (without the batch dimension).
/// `batch_size` (Keras's Input(batch_size=) / batch_shape[0]) fixes the
/// batch, as a stateful recurrent layer after it needs.
KerasTensor Input(Shape shape, std::string name = "", int64_t batch_size = 0);

class Layer {
public:
  Layer() = default;
  explicit Layer(std::shared_ptr<LayerImpl> impl) : impl_(std::move(impl)) {}

  /// Calls the layer on symbolic tensors (Functional API). Shapes are
  /// checked now: a mismatch throws kiln::Error naming the layer.
  /// A layer that returns several tensors (return_state) is called with
  /// call_outputs instead.
  KerasTensor operator()(const KerasTensor &x) const;
  KerasTensor operator()(const std::vector<KerasTensor> &xs) const;
  /// Calls a layer and returns all its outputs, as Keras's
  /// `out, h, c = LSTM(8, return_state=True)(x)`: the output, then the last
  /// states. `call_outputs<3>(x)` gives them as an array for a structured
  /// binding (and checks the count).
  std::vector<KerasTensor> call_outputs(const std::vector<KerasTensor> &xs) const;
  std::vector<KerasTensor> call_outputs(const KerasTensor &x) const {
    return call_outputs(std::vector<KerasTensor>{x});
  }
  template <size_t N>
  std::array<KerasTensor, N> call_outputs(const KerasTensor &x) const {
    std::vector<KerasTensor> all = call_outputs(x);
    checkOutputCount(all.size(), N);
    std::array<KerasTensor, N> out;
    std::copy(all.begin(), all.end(), out.begin());
    return out;
  }

  const std::string &name() const;
  const std::string &class_name() const;
  /// Weights in Keras order (kernel, bias); empty until the layer is built.
  std::vector<Tensor> get_weights() const;
  void set_weights(const std::vector<Tensor> &weights);
  int64_t count_params() const;
  /// A stateful recurrent layer's carried states (Keras's `layer.states`,
  /// copies); empty for other layers.
  std::vector<Tensor> states() const;
  /// Keras's reset_states(states=None): zeroes the carried states, or sets
  /// them to `states` (one array per state, shapes checked first).
  void reset_states(const std::vector<Tensor> &states = {});

  const std::shared_ptr<LayerImpl> &impl() const { return impl_; }

private:
  void checkOutputCount(size_t got, size_t expected) const;
  std::shared_ptr<LayerImpl> impl_;
};

/// What every layer implements. Subclasses live in frontend/layers/.
class LayerImpl {
public:
  /// `prefix` is Keras's snake-case class name ("dense"); an empty `name`
  /// takes the next free one ("dense", "dense_1", ...).
  LayerImpl(std::string className, const std::string &prefix, std::string name,
            Shape declaredInputShape = {});
  virtual ~LayerImpl();

  const std::string &name() const { return name_; }
  const std::string &className() const { return className_; }
  /// The per-sample input shape given by input_shape / input_dim, if any.
  const Shape &declaredInputShape() const { return declaredInputShape_; }
  /// Sets it on a layer made from a config without one (the Python
  /// module's `input_shape=`); refused once the layer is built.
  void setDeclaredInputShape(Shape shape);
  /// The fixed batch size: batch_input_shape's first entry, or else the
  /// one its inputs carry (Input(batch_size=)); 0 when free.
  int64_t batchSize() const { return batchSize_; }
  void setBatchSize(int64_t n) { batchSize_ = n; }
  /// Takes the first fixed batch size among `inputs` when the layer has
  /// none of its own.
  void inheritBatchSize(const std::vector<KerasTensor> &inputs);

  virtual size_t minInputs() const { return 1; }
  virtual size_t maxInputs() const { return 1; }
  /// The keyword Keras passes a call's inputs after the first under (a
  /// recurrent layer's "initial_state"), or null: all are positional.
  virtual const char *extraInputsKeyword() const { return nullptr; }
  /// Output shape for the input shapes (batch = -1); throws on bad shapes.
  virtual Shape outputShape(const std::vector<Shape> &inputs) const = 0;
  /// Every output's shape, for layers that return several tensors (a
  /// recurrent layer with return_state); the default is outputShape's one.
  virtual std::vector<Shape> outputShapes(const std::vector<Shape> &inputs) const {
    return {outputShape(inputs)};
  }
  virtual std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &inputs) const;
  /// Emits the layer's computation; `weights` follow weightSpecs' order.
  virtual Sym emit(Emitter &emitter, const std::vector<Sym> &inputs,
                   const std::vector<Sym> &weights) const = 0;
  /// Emits every output (outputShapes' order); the default is emit's one.
  virtual std::vector<Sym> emitOutputs(Emitter &emitter,
                                       const std::vector<Sym> &inputs,
                                       const std::vector<Sym> &weights) const {
    return {emit(emitter, inputs, weights)};
  }
  /// Adds the fields of Keras's get_config() that follow name, trainable
  /// and dtype (frontend/saving); the default throws: not saveable.
  virtual void getConfig(saving::LayerConfig &config) const;
  /// Where Keras 3's archive keeps the weights below the layer's own group:
  /// "" for `layers/<name>/vars`, "cell" for `layers/<name>/cell/vars` (the
  /// recurrent layers).
  virtual std::string archiveWeightsGroup() const { return ""; }
  /// The groups Keras 3's archive splits the weights into, in weight
  /// order: a path below the layer's group (archiveWeightsGroup's) and how
  /// many weights it holds. One group of all of them unless a layer holds
  /// several sub-objects (Bidirectional's forward_layer and backward_layer).
  virtual std::vector<std::pair<std::string, size_t>> archiveWeightGroups() const {
    return {{archiveWeightsGroup(), kerasWeights().size()}};
  }
  /// Adjusts freshly initialized weights (in weightSpecs' order) where one
  /// initializer per weight does not say it all (LSTM's forget-gate bias).
  virtual void finishInitialization(std::vector<Tensor> &weights) const {}
  /// When the layer reads a model input directly, fit/evaluate/predict pass
  /// it the array before any step runs; it throws kiln::Error, after
  /// `context`, for values it cannot take (an Embedding's ids outside its
  /// table). The default takes any.
  virtual void checkInputValues(const Tensor &x, const std::string &context) const {}
  /// A wrapper's wrapped layer as Keras names it in plot_model's boxes
  /// (its name and class name: "lstm", "LSTM"); empty for other layers.
  virtual std::pair<std::string, std::string> wrappedLayer() const { return {}; }
  /// Whether the layer computes something else in training (Keras's
  /// `training=True`): the model then gets a separate training function.
  virtual bool hasTrainingBehavior() const { return false; }

  /// Creates and initializes the weights on first use; later calls check
  /// that the input shapes still fit them.
  void build(const std::vector<Shape> &inputs);
  bool built() const { return built_; }
  const std::vector<WeightSpec> &specs() const { return specs_; }
  /// Every parameter the compiled steps take, states included.
  std::vector<Tensor> &weights() { return weights_; }
  const std::vector<Tensor> &weights() const { return weights_; }
  /// The weights Keras lists (get_weights, files, summary): no states.
  std::vector<Tensor> kerasWeights() const;
  /// The carried states' batch size (their leading dimension), 0 without.
  int64_t statefulBatchSize() const;

  /// "Layer 'dense_1' (Dense): " for error messages.
  std::string where() const;
  /// The index of the next call of this layer (Keras's node_index).
  int nextNodeIndex() { return calls_++; }

private:
  std::string className_, name_;
  Shape declaredInputShape_;
  int64_t batchSize_ = 0;
  bool built_ = false;
  int calls_ = 0;
  std::vector<WeightSpec> specs_;
  std::vector<Tensor> weights_;
};

namespace backend {
/// Resets the automatic layer and model names (Keras's clear_session).
void clear_session();
} // namespace backend

namespace detail {

/// A node of the layer graph: one call of a layer (or an Input).
struct Node {
  std::shared_ptr<LayerImpl> layer; // the InputLayer for inputs
  std::vector<KerasTensor> inputs;
  /// One shape per output (KerasTensor::index).
  std::vector<Shape> shapes;
  /// Which call of `layer` this is, counting from 0 (Keras's node_index).
  int index = 0;
  /// The fixed batch size this tensor has (0: any), for stateful layers.
  int64_t batch = 0;
};

/// The next automatic name for `prefix`: "dense", then "dense_1", ...; with
/// `oneBased`, "input_1", "input_2", ... as tf.keras names Input layers.
std::string uniqueName(const std::string &prefix, bool oneBased = false);

} // namespace detail

} // namespace kiln

#endif // KILN_FRONTEND_LAYER_H
