// Keras Embedding: a trainable table of rows looked up by integer ids.
#include "frontend/Emitter.h"
#include "frontend/RecurrentLayers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "runtime/Error.h"

#include <algorithm>

namespace kiln::layers {
namespace {

class EmbeddingImpl : public LayerImpl {
public:
  EmbeddingImpl(int64_t inputDim, int64_t outputDim, EmbeddingOptions o)
      : LayerImpl("Embedding", "embedding", o.name,
                  !o.input_shape.empty() ? o.input_shape
                  : o.input_length > 0   ? Shape{o.input_length}
                                         : Shape{}),
        inputDim(inputDim), outputDim(outputDim), options(std::move(o)) {
    if (inputDim <= 0 || outputDim <= 0)
      throwError(where(), "input_dim and output_dim must be positive, got ",
                 inputDim, " and ", outputDim);
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    Shape out = in.front();
    if (out.size() < 2)
      throwError(where(), "expects ids of rank 2 or more (batch, ...), got ",
                 shapeToString(out));
    out.push_back(outputDim);
    return out;
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &) const override {
    return {{"embeddings", {inputDim, outputDim}, options.embeddings_initializer}};
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    mlir::Value ids = Emitter::value(in.front());
    mlir::Value out = EmbeddingOp::create(e.b, e.loc, ids, Emitter::value(w[0]));
    if (options.mask_zero) {
      // The mask is a lookup too, in a constant one-column table whose
      // row 0 (padding) is 0: exact for any ids shape, no gradient.
      std::vector<float> rows(size_t(inputDim), 1.0f);
      rows[0] = 0.0f;
      auto type = e.tensorType({inputDim, 1});
      mlir::Value table = mlir::arith::ConstantOp::create(
          e.b, e.loc, type, mlir::DenseElementsAttr::get(type, llvm::ArrayRef<float>(rows)));
      e.masks.push_back({out, EmbeddingOp::create(e.b, e.loc, ids, table)});
    }
    return Emitter::sym(out);
  }

  /// Keras refuses ids outside [0, input_dim); the compiled lookup would
  /// clamp them to a valid row and train on it silently.
  void checkInputValues(const Tensor &x, const std::string &context) const override {
    Tensor ids = x.dtype() == DType::f32 ? x : x.astype(DType::f32);
    const float *v = ids.data<float>();
    int64_t perSample =
        std::max<int64_t>(ids.shape().empty() ? 1 : ids.size() / ids.shape().front(), 1);
    for (int64_t k = 0; k < ids.size(); ++k)
      if (!(v[k] >= 0 && v[k] < float(inputDim)))
        throwError(context, where(), "id ", v[k], " of sample ", k / perSample,
                   " is outside [0, ", inputDim, ") (input_dim = ", inputDim, ")");
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("input_dim", inputDim);
    c.set("output_dim", outputDim);
    c.setInitializer("embeddings_initializer", options.embeddings_initializer);
    c.set("embeddings_regularizer", nullptr);
    c.set("activity_regularizer", nullptr);
    c.set("embeddings_constraint", nullptr);
    c.set("mask_zero", options.mask_zero);
  }

private:
  int64_t inputDim, outputDim;
  EmbeddingOptions options;
};

} // namespace

Embedding::Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions o)
    : Layer(std::make_shared<EmbeddingImpl>(input_dim, output_dim, std::move(o))) {}

Layer embeddingFromConfig(saving::LayerConfig &c) {
  EmbeddingOptions o;
  o.name = c.name();
  o.embeddings_initializer = c.initializer(
      "embeddings_initializer", c.initializer("init", initializers::RandomUniform()));
  o.mask_zero = c.boolean("mask_zero", false);
  if (c.has("input_length"))
    o.input_length = c.integer("input_length", 0);
  for (const char *k : {"embeddings_regularizer", "activity_regularizer",
                        "embeddings_constraint", "W_regularizer", "W_constraint"})
    c.warnIfSet(k);
  return Embedding(c.integer("input_dim"), c.integer("output_dim"), o);
}

} // namespace kiln::layers
