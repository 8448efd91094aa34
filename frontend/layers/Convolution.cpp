// Keras Conv2D and MaxPooling2D (channels_last).
#include "frontend/Emitter.h"
#include "frontend/Layers.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/ShapeInference.h"
#include "runtime/Error.h"

#include <algorithm>

namespace kiln::layers {
namespace {

Padding parsePadding(std::string p, const std::string &where) {
  std::transform(p.begin(), p.end(), p.begin(), ::tolower);
  if (p == "valid")
    return Padding::valid;
  if (p == "same")
    return Padding::same;
  throwError(where, "padding must be 'valid' or 'same', got '", p, "'");
}

void checkPair(const std::vector<int64_t> &v, const char *what,
               const std::string &where) {
  if (v.size() != 2 || v[0] <= 0 || v[1] <= 0)
    throwError(where, what, " must be two positive integers, got ",
               shapeToString(v));
}

void checkChannelsLast(const std::string &format, const std::string &where) {
  if (format != "channels_last")
    throwError(where, "only data_format='channels_last' is supported, got '",
               format, "'");
}

/// Output shape of a window op over an NHWC input.
Shape windowShape(const Shape &x, const std::vector<int64_t> &window,
                  const std::vector<int64_t> &strides, Padding padding,
                  int64_t channels, const std::string &where) {
  if (x.size() != 4)
    throwError(where, "expects a 4-D input (batch, rows, cols, channels), got ",
               shapeToString(x));
  Shape out{x[0]};
  for (int i = 0; i < 2; ++i) {
    if (x[1 + i] < 0)
      throwError(where, "spatial input sizes must be known, got ", shapeToString(x));
    if (padding == Padding::valid && x[1 + i] < window[i])
      throwError(where, "input ", shapeToString(x), " is smaller than the window ",
                 shapeToString(window), " with padding='valid'");
    out.push_back(windowOutputSize(x[1 + i], window[i], strides[i], padding));
  }
  out.push_back(channels);
  return out;
}

class Conv2DImpl : public LayerImpl {
public:
  Conv2DImpl(int64_t filters, std::vector<int64_t> kernel, Conv2DOptions o)
      : LayerImpl("Conv2D", "conv2d", o.name, o.input_shape), filters(filters),
        kernel(std::move(kernel)), options(std::move(o)),
        padding(parsePadding(options.padding, where())) {
    if (filters <= 0)
      throwError(where(), "filters must be positive, got ", filters);
    checkPair(this->kernel, "kernel_size", where());
    checkPair(options.strides, "strides", where());
    checkChannelsLast(options.data_format, where());
    checkActivation(options.activation, where());
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    return windowShape(in.front(), kernel, options.strides, padding, filters,
                       where());
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &in) const override {
    int64_t channels = in.front().back();
    std::vector<WeightSpec> specs = {
        {"kernel", {kernel[0], kernel[1], channels, filters},
         options.kernel_initializer}};
    if (options.use_bias)
      specs.push_back({"bias", {filters}, options.bias_initializer});
    return specs;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    mlir::Value bias = options.use_bias ? Emitter::value(w[1]) : mlir::Value();
    mlir::Value y = Conv2DOp::create(e.b, e.loc, Emitter::value(in.front()),
                                     Emitter::value(w[0]), bias,
                                     e.b.getDenseI64ArrayAttr(options.strides),
                                     padding);
    return e.activation(options.activation, Emitter::sym(y));
  }

private:
  int64_t filters;
  std::vector<int64_t> kernel;
  Conv2DOptions options;
  Padding padding;
};

class MaxPooling2DImpl : public LayerImpl {
public:
  MaxPooling2DImpl(std::vector<int64_t> pool, MaxPooling2DOptions o)
      : LayerImpl("MaxPooling2D", "max_pooling2d", o.name, o.input_shape),
        pool(std::move(pool)), options(std::move(o)),
        padding(parsePadding(options.padding, where())) {
    if (options.strides.empty())
      options.strides = this->pool;
    checkPair(this->pool, "pool_size", where());
    checkPair(options.strides, "strides", where());
    checkChannelsLast(options.data_format, where());
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    return windowShape(in.front(), pool, options.strides, padding,
                       in.front().size() == 4 ? in.front()[3] : 0, where());
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return Emitter::sym(MaxPool2DOp::create(
        e.b, e.loc, Emitter::value(in.front()), e.b.getDenseI64ArrayAttr(pool),
        e.b.getDenseI64ArrayAttr(options.strides), padding));
  }

private:
  std::vector<int64_t> pool;
  MaxPooling2DOptions options;
  Padding padding;
};

} // namespace

Conv2D::Conv2D(int64_t filters, std::vector<int64_t> kernel_size,
               Conv2DOptions options)
    : Layer(std::make_shared<Conv2DImpl>(filters, std::move(kernel_size),
                                         std::move(options))) {}

MaxPooling2D::MaxPooling2D(std::vector<int64_t> pool_size,
                           MaxPooling2DOptions options)
    : Layer(std::make_shared<MaxPooling2DImpl>(std::move(pool_size),
                                               std::move(options))) {}

} // namespace kiln::layers
