// Keras Conv2D and MaxPooling2D (channels_last).
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

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

  void getConfig(saving::LayerConfig &c) const override {
    c.set("filters", filters);
    c.set("kernel_size", kernel);
    c.set("strides", options.strides);
    c.set("padding", options.padding);
    c.set("data_format", options.data_format);
    c.set("dilation_rate", {1, 1});
    c.set("groups", 1);
    c.set("activation", options.activation);
    c.set("use_bias", options.use_bias);
    c.setInitializer("kernel_initializer", options.kernel_initializer);
    c.setInitializer("bias_initializer", options.bias_initializer);
    for (const char *k : {"kernel_regularizer", "bias_regularizer",
                          "activity_regularizer", "kernel_constraint",
                          "bias_constraint"})
      c.set(k, nullptr);
  }

private:
  int64_t filters;
  std::vector<int64_t> kernel;
  Conv2DOptions options;
  Padding padding;
};

/// What MaxPooling2D and AveragePooling2D share: the arguments, their
/// checks (strides default to pool_size) and the Keras config.
class Pooling2DImpl : public LayerImpl {
public:
  Pooling2DImpl(const char *className, const char *prefix,
                std::vector<int64_t> pool, MaxPooling2DOptions o)
      : LayerImpl(className, prefix, o.name, o.input_shape),
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

  void getConfig(saving::LayerConfig &c) const override {
    c.set("pool_size", pool);
    c.set("padding", options.padding);
    c.set("strides", options.strides);
    c.set("data_format", options.data_format);
  }

protected:
  std::vector<int64_t> pool;
  MaxPooling2DOptions options;
  Padding padding;
};

class MaxPooling2DImpl : public Pooling2DImpl {
public:
  MaxPooling2DImpl(std::vector<int64_t> pool, MaxPooling2DOptions o)
      : Pooling2DImpl("MaxPooling2D", "max_pooling2d", std::move(pool),
                      std::move(o)) {}

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    return Emitter::sym(MaxPool2DOp::create(
        e.b, e.loc, Emitter::value(in.front()), e.b.getDenseI64ArrayAttr(pool),
        e.b.getDenseI64ArrayAttr(options.strides), padding));
  }
};

/// The mean of whole windows: the input cropped to a multiple of the pool,
/// reshaped to (N, Ho, ph, Wo, pw, C) and averaged over the two pool axes,
/// so the gradient is the existing reshape and reduce_mean ones.
class AveragePooling2DImpl : public Pooling2DImpl {
public:
  AveragePooling2DImpl(std::vector<int64_t> pool, AveragePooling2DOptions o)
      : Pooling2DImpl("AveragePooling2D", "average_pooling2d", std::move(pool),
                      std::move(o)) {
    if (options.strides != this->pool)
      throwError(where(), "strides (", options.strides[0], ", ",
                 options.strides[1], ") other than pool_size (", this->pool[0],
                 ", ", this->pool[1], ") are not supported yet");
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    Shape out = Pooling2DImpl::outputShape(in);
    if (padding == Padding::same)
      for (int i = 0; i < 2; ++i)
        if (x[1 + i] < 0 || x[1 + i] % pool[i] != 0)
          throwError(where(), "padding 'same' needs a height and width that "
                              "pool_size divides (partial windows are not "
                              "supported yet), got ",
                     shapeToString(x));
    return out;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    mlir::Value x = Emitter::value(in.front());
    Shape s = Emitter::shapeOf(in.front());
    for (int axis = 1; axis <= 2; ++axis) {
      int64_t rest = s[axis] % pool[axis - 1];
      if (rest == 0)
        continue;
      auto parts = SplitOp::create(e.b, e.loc, x, axis,
                                   {s[axis] - rest, rest});
      x = parts.getResult(0);
      s[axis] -= rest;
    }
    Shape windows = {s[0], s[1] / pool[0], pool[0], s[2] / pool[1], pool[1], s[3]};
    mlir::Value w = Emitter::value(e.reshape(Emitter::sym(x), windows));
    return Emitter::sym(ReduceMeanOp::create(
        e.b, e.loc, w, e.b.getDenseI64ArrayAttr({2, 4}), false));
  }
};

} // namespace

AveragePooling2D::AveragePooling2D(std::vector<int64_t> pool_size,
                                   AveragePooling2DOptions options)
    : Layer(std::make_shared<AveragePooling2DImpl>(std::move(pool_size),
                                                   std::move(options))) {}

Conv2D::Conv2D(int64_t filters, std::vector<int64_t> kernel_size,
               Conv2DOptions options)
    : Layer(std::make_shared<Conv2DImpl>(filters, std::move(kernel_size),
                                         std::move(options))) {}

MaxPooling2D::MaxPooling2D(std::vector<int64_t> pool_size,
                           MaxPooling2DOptions options)
    : Layer(std::make_shared<MaxPooling2DImpl>(std::move(pool_size),
                                               std::move(options))) {}

namespace {
/// Keras 1's dim_ordering: "tf" is channels_last, "th" channels_first.
std::string dataFormat(saving::LayerConfig &c) {
  std::string f = c.string("data_format", "");
  if (f.empty())
    f = c.string("dim_ordering", "tf") == "th" ? "channels_first" : "channels_last";
  if (f != "channels_last")
    c.fail("data_format '" + f + "' is not supported (Kiln is channels_last)");
  return f;
}
} // namespace

/// Keras 1 spells filters, kernel_size, strides and padding nb_filter,
/// nb_row/nb_col, subsample and border_mode.
Layer conv2dFromConfig(saving::LayerConfig &c) {
  Conv2DOptions o;
  o.name = c.name();
  o.strides = c.ints("strides", 2, c.ints("subsample", 2, {1, 1}));
  o.padding = c.string("padding", c.string("border_mode", "valid"));
  o.data_format = dataFormat(c);
  if (c.ints("dilation_rate", 2, {1, 1}) != std::vector<int64_t>{1, 1})
    c.fail("dilation_rate " + c.json["dilation_rate"].dump() +
           " is not supported (Kiln supports [1, 1])");
  c.expect("groups", 1);
  o.activation = c.activation("activation", "linear");
  o.use_bias = c.boolean("use_bias", c.boolean("bias", true));
  o.kernel_initializer = c.initializer(
      "kernel_initializer", c.initializer("init", Initializer("glorot_uniform")));
  o.bias_initializer = c.initializer("bias_initializer", Initializer("zeros"));
  for (const char *k : {"kernel_regularizer", "bias_regularizer",
                        "activity_regularizer", "kernel_constraint",
                        "bias_constraint", "W_regularizer", "b_regularizer"})
    c.warnIfSet(k);
  int64_t filters = c.has("filters") ? c.integer("filters") : c.integer("nb_filter");
  std::vector<int64_t> kernel =
      c.has("kernel_size")
          ? c.ints("kernel_size", 2, {})
          : std::vector<int64_t>{c.integer("nb_row"), c.integer("nb_col")};
  return Conv2D(filters, kernel, o);
}

namespace {
MaxPooling2DOptions poolingOptions(saving::LayerConfig &c) {
  MaxPooling2DOptions o;
  o.name = c.name();
  o.strides = c.ints("strides", 2, {});
  o.padding = c.string("padding", c.string("border_mode", "valid"));
  o.data_format = dataFormat(c);
  return o;
}
} // namespace

Layer maxPooling2dFromConfig(saving::LayerConfig &c) {
  return MaxPooling2D(c.ints("pool_size", 2, {2, 2}), poolingOptions(c));
}

Layer averagePooling2dFromConfig(saving::LayerConfig &c) {
  return AveragePooling2D(c.ints("pool_size", 2, {2, 2}), poolingOptions(c));
}

} // namespace kiln::layers
