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
  return node_->shape;
}

KerasTensor Input(Shape shape, std::string name) {
  for (int64_t d : shape)
    if (d <= 0)
      throwError("Input: every dimension of shape ", shapeToString(shape),
                 " must be positive (the batch dimension is implicit)");
  auto layer = std::make_shared<InputLayerImpl>(shape, std::move(name));
  auto node = std::make_shared<detail::Node>();
  node->layer = layer;
  node->shape = Shape{-1};
  node->shape.insert(node->shape.end(), shape.begin(), shape.end());
  return KerasTensor(node);
}

KerasTensor Layer::operator()(const KerasTensor &x) const {
  return (*this)(std::vector<KerasTensor>{x});
}

KerasTensor Layer::operator()(const std::vector<KerasTensor> &xs) const {
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
  node->shape = impl_->outputShape(shapes);
  impl_->build(shapes);
  node->index = impl_->nextNodeIndex();
  return KerasTensor(node);
}

const std::string &Layer::name() const { return impl_->name(); }
const std::string &Layer::class_name() const { return impl_->className(); }

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (const Tensor &w : impl_->weights())
    out.push_back(w.clone());
  return out;
}

void Layer::set_weights(const std::vector<Tensor> &weights) {
  auto &mine = impl_->weights();
  if (weights.size() != mine.size())
    throwError(impl_->where(), "set_weights expects ", mine.size(),
               " arrays, got ", weights.size());
  for (size_t i = 0; i < mine.size(); ++i)
    if (weights[i].shape() != mine[i].shape())
      throwError(impl_->where(), "set_weights: weight #", i, " ('",
                 impl_->specs()[i].name, "') has shape ",
                 shapeToString(mine[i].shape()), ", got ",
                 shapeToString(weights[i].shape()));
  // Writes go into the tensors a compiled model trains (shared storage).
  for (size_t i = 0; i < mine.size(); ++i) {
    Tensor src = weights[i].astype(DType::f32);
    std::copy(src.data<float>(), src.data<float>() + src.size(),
              mine[i].data<float>());
  }
}

int64_t Layer::count_params() const {
  int64_t n = 0;
  for (const Tensor &w : impl_->weights())
    n += w.size();
  return n;
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
