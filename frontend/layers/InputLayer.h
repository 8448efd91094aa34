// Keras's InputLayer: the layer behind `Input(...)`; it has no weights and
// its node's value is a model argument.
#ifndef KILN_FRONTEND_LAYERS_INPUTLAYER_H
#define KILN_FRONTEND_LAYERS_INPUTLAYER_H

#include "frontend/Layer.h"

namespace kiln {

class InputLayerImpl : public LayerImpl {
public:
  InputLayerImpl(Shape shape, std::string name)
      : LayerImpl("InputLayer", "input", std::move(name), std::move(shape)) {}
  size_t minInputs() const override { return 0; }
  size_t maxInputs() const override { return 0; }
  Shape outputShape(const std::vector<Shape> &) const override {
    Shape s{-1};
    s.insert(s.end(), declaredInputShape().begin(), declaredInputShape().end());
    return s;
  }
  Sym emit(Emitter &, const std::vector<Sym> &inputs,
           const std::vector<Sym> &) const override {
    return inputs.front();
  }
};

} // namespace kiln

#endif // KILN_FRONTEND_LAYERS_INPUTLAYER_H
