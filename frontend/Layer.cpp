// Layers and symbolic tensors.
#include "frontend/Layer.h"
#include "frontend/layers/InputLayer.h"

#include "runtime/Error.h"

#include <map>

namespace kiln {

namespace detail {

static std::map<std::string, int> &nameCounters() {
  static std::map<std::string, int> counters;
  return counters;
}

std::string uniqueName(const std::string &prefix, bool oneBased) {
  int n = nameCounters()[prefix]++;
  if (oneBased)
    return prefix + "_" + std::to_string(n + 1);
  return n == 0 ? prefix : prefix + "_" + std::to_string(n);
}

} // namespace detail

void backend::clear_session() { detail::nameCounters().clear(); }

const Shape &KerasTensor::shape() const {
  if (!node_)
    throwError("KerasTensor: use of an empty symbolic tensor");
  return node_->shapes.at(index_);
}

KerasTensor Input(Shape shape, std::string name, int64_t batch_size) {
  for (int64_t d : shape)
    if (d <= 0)
      throwError("Input: every dimension of shape ", shapeToString(shape),
                 " must be positive (the batch dimension is implicit)");
  if (batch_size < 0)
    throwError("Input: batch_size must be positive, got ", batch_size);
  auto layer = std::make_shared<InputLayerImpl>(shape, std::move(name));
  layer->setBatchSize(batch_size);
  auto node = std::make_shared<detail::Node>();
  node->layer = layer;
  Shape full = Shape{-1};
  full.insert(full.end(), shape.begin(), shape.end());
  node->shapes = {full};
  node->batch = batch_size;
  return KerasTensor(node);
}

KerasTensor Layer::operator()(const KerasTensor &x) const {
  return (*this)(std::vector<KerasTensor>{x});
}

KerasTensor Layer::operator()(const std::vector<KerasTensor> &xs) const {
  std::vector<KerasTensor> outs = call_outputs(xs);
  if (outs.size() != 1)
    throwError(impl_->where(), "returns ", outs.size(),
               " tensors (return_state = true): a Sequential model takes "
               "only layers of one output, and a Functional call gets them "
               "all with call_outputs(x)");
  return outs.front();
}

std::vector<KerasTensor> Layer::call_outputs(const std::vector<KerasTensor> &xs) const {
  if (!impl_)
    throwError("calling an empty Layer handle");
  if (xs.size() < impl_->minInputs() || xs.size() > impl_->maxInputs())
    throwError(impl_->where(), "expects ",
               impl_->minInputs() == impl_->maxInputs()
                   ? std::to_string(impl_->minInputs())
                   : "at least " + std::to_string(impl_->minInputs()),
               " input(s), got ", xs.size());
  std::vector<Shape> shapes;
  for (const KerasTensor &x : xs)
    shapes.push_back(x.shape());
  auto node = std::make_shared<detail::Node>();
  node->layer = impl_;
  node->inputs = xs;
  node->shapes = impl_->outputShapes(shapes);
  impl_->inheritBatchSize(xs);
  node->batch = impl_->batchSize();
  impl_->build(shapes);
  node->index = impl_->nextNodeIndex();
  std::vector<KerasTensor> outs;
  for (size_t i = 0; i < node->shapes.size(); ++i)
    outs.emplace_back(node, i);
  return outs;
}

void Layer::checkOutputCount(size_t got, size_t expected) const {
  if (got != expected)
    throwError(impl_->where(), "returns ", got, " tensors, not ", expected);
}

const std::string &Layer::name() const { return impl_->name(); }
const std::string &Layer::class_name() const { return impl_->className(); }

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (const Tensor &w : impl_->kerasWeights())
    out.push_back(w.clone());
  return out;
}

namespace {

/// Copies `values` into the parameters of `impl` whose spec's `state` flag
/// is `states`, after checking every count and shape (so a bad call
/// changes nothing). Writes go into the tensors a compiled model trains
/// (shared storage).
void assignParams(LayerImpl &impl, const std::vector<Tensor> &values,
                  bool states, const char *what) {
  std::vector<size_t> mine;
  for (size_t i = 0; i < impl.weights().size(); ++i)
    if (impl.specs()[i].state == states)
      mine.push_back(i);
  if (values.size() != mine.size())
    throwError(impl.where(), what, " expects ", mine.size(), " arrays, got ",
               values.size());
  for (size_t k = 0; k < mine.size(); ++k) {
    const Tensor &target = impl.weights()[mine[k]];
    if (values[k].shape() != target.shape())
      throwError(impl.where(), what, ": ", states ? "state" : "weight", " #",
                 k, " ('", impl.specs()[mine[k]].name, "') has shape ",
                 shapeToString(target.shape()), ", got ",
                 shapeToString(values[k].shape()));
  }
  for (size_t k = 0; k < mine.size(); ++k) {
    Tensor src = values[k].astype(DType::f32);
    std::copy(src.data<float>(), src.data<float>() + src.size(),
              impl.weights()[mine[k]].data<float>());
  }
}

} // namespace

void Layer::set_weights(const std::vector<Tensor> &weights) {
  assignParams(*impl_, weights, /*states=*/false, "set_weights");
}

int64_t Layer::count_params() const {
  int64_t n = 0;
  for (const Tensor &w : impl_->kerasWeights())
    n += w.size();
  return n;
}

std::vector<Tensor> Layer::states() const {
  std::vector<Tensor> out;
  for (size_t i = 0; i < impl_->weights().size(); ++i)
    if (impl_->specs()[i].state)
      out.push_back(impl_->weights()[i].clone());
  return out;
}

void Layer::reset_states(const std::vector<Tensor> &states) {
  if (impl_->statefulBatchSize() == 0)
    throwError(impl_->where(), "reset_states: the layer is not stateful "
                               "(give it stateful = true)");
  if (!states.empty()) {
    assignParams(*impl_, states, /*states=*/true, "reset_states");
    return;
  }
  for (size_t i = 0; i < impl_->weights().size(); ++i)
    if (impl_->specs()[i].state) {
      Tensor &t = impl_->weights()[i];
      std::fill(t.data<float>(), t.data<float>() + t.size(), 0.0f);
    }
}

void LayerImpl::inheritBatchSize(const std::vector<KerasTensor> &inputs) {
  for (const KerasTensor &x : inputs)
    if (batchSize_ == 0)
      batchSize_ = x.node()->batch;
}

void LayerImpl::setDeclaredInputShape(Shape shape) {
  if (built_)
    throwError(where(), "is already built; its input shape is fixed");
  declaredInputShape_ = std::move(shape);
}

std::vector<Tensor> LayerImpl::kerasWeights() const {
  std::vector<Tensor> out;
  for (size_t i = 0; i < weights_.size(); ++i)
    if (!specs_[i].state)
      out.push_back(weights_[i]);
  return out;
}

int64_t LayerImpl::statefulBatchSize() const {
  for (size_t i = 0; i < weights_.size(); ++i)
    if (specs_[i].state)
      return specs_[i].shape.front();
  return 0;
}

LayerImpl::LayerImpl(std::string className, const std::string &prefix,
                     std::string name, Shape declaredInputShape)
    : className_(std::move(className)),
      name_(name.empty() ? detail::uniqueName(prefix, prefix == "input")
                         : std::move(name)),
      declaredInputShape_(std::move(declaredInputShape)) {}

LayerImpl::~LayerImpl() = default;

std::vector<WeightSpec> LayerImpl::weightSpecs(const std::vector<Shape> &) const {
  return {};
}

void LayerImpl::getConfig(saving::LayerConfig &) const {
  throwError(where(), "has no Keras config, so it cannot be saved");
}

void LayerImpl::build(const std::vector<Shape> &inputs) {
  std::vector<WeightSpec> specs = weightSpecs(inputs);
  if (built_) {
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].shape != specs_[i].shape)
        throwError(where(), "is already built with weight '", specs_[i].name,
                   "' of shape ", shapeToString(specs_[i].shape),
                   "; this call needs ", shapeToString(specs[i].shape));
    return;
  }
  specs_ = std::move(specs);
  for (const WeightSpec &s : specs_) {
    Tensor t = Tensor::zeros(s.shape);
    s.initializer.fill(t);
    weights_.push_back(t);
  }
  finishInitialization(weights_);
  built_ = true;
}

std::string LayerImpl::where() const {
  return "layer '" + name_ + "' (" + className_ + "): ";
}

} // namespace kiln
