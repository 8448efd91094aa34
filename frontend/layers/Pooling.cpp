// Keras GlobalAveragePooling2D and GlobalMaxPooling2D: kiln.reduce_mean and
// kiln.reduce_max over the height and width of a channels_last input.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

template <typename ReduceOp>
class GlobalPooling2DImpl : public LayerImpl {
public:
  GlobalPooling2DImpl(const char *className, const char *prefix,
                      GlobalPooling2DOptions o)
      : LayerImpl(className, prefix, o.name, o.input_shape),
        keepdims(o.keepdims) {
    if (o.data_format != "channels_last")
      throwError(where(), "data_format '", o.data_format,
                 "' is not supported: Kiln pools channels_last inputs");
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    if (x.size() != 4)
      throwError(where(), "expects a (batch, height, width, channels) input, "
                          "got ", shapeToString(x));
    if (keepdims)
      return {x[0], 1, 1, x[3]};
    return {x[0], x[3]};
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    Shape out = outputShape({Emitter::shapeOf(in.front())});
    auto op = ReduceOp::create(e.b, e.loc, e.tensorType(out),
                               Emitter::value(in.front()),
                               e.b.getDenseI64ArrayAttr({1, 2}), keepdims);
    return Emitter::sym(op.getResult());
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("data_format", "channels_last");
    c.set("keepdims", keepdims);
  }

private:
  bool keepdims;
};

GlobalPooling2DOptions optionsFrom(saving::LayerConfig &c) {
  c.expect("data_format", "channels_last");
  return {.keepdims = c.boolean("keepdims", false), .name = c.name()};
}

} // namespace

GlobalAveragePooling2D::GlobalAveragePooling2D(GlobalPooling2DOptions options)
    : Layer(std::make_shared<GlobalPooling2DImpl<ReduceMeanOp>>(
          "GlobalAveragePooling2D", "global_average_pooling2d",
          std::move(options))) {}

GlobalMaxPooling2D::GlobalMaxPooling2D(GlobalPooling2DOptions options)
    : Layer(std::make_shared<GlobalPooling2DImpl<ReduceMaxOp>>(
          "GlobalMaxPooling2D", "global_max_pooling2d", std::move(options))) {}

Layer globalAveragePooling2dFromConfig(saving::LayerConfig &c) {
  return GlobalAveragePooling2D(optionsFrom(c));
}

Layer globalMaxPooling2dFromConfig(saving::LayerConfig &c) {
  return GlobalMaxPooling2D(optionsFrom(c));
}

} // namespace kiln::layers
