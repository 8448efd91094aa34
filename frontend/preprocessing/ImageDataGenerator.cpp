// Keras 2.x's ImageDataGenerator maths: each image's random draw, its affine
// transform (rotation · shift · shear · zoom about the image's centre,
// sampled as scipy.ndimage.affine_transform samples with Keras's fill
// modes), channel shift and flips, then standardization.
#include "frontend/ImageDataGenerator.h"
#include "frontend/Initializers.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace kiln::preprocessing {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Matrix {
  double m[3][3];
  Matrix operator*(const Matrix &o) const {
    Matrix r{};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 3; ++k)
          r.m[i][j] += m[i][k] * o.m[k][j];
    return r;
  }
};

Matrix identity() { return {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}; }

enum class Fill { nearest, constant, reflect, wrap };

Fill fillOf(const std::string &mode) {
  if (mode == "nearest")
    return Fill::nearest;
  if (mode == "constant")
    return Fill::constant;
  if (mode == "reflect")
    return Fill::reflect;
  if (mode == "wrap")
    return Fill::wrap;
  throwError("ImageDataGenerator: fill_mode must be 'nearest', 'constant', "
             "'reflect' or 'wrap', got '", mode, "'");
}

/// An index outside [0, n) brought inside as `fill` extends the image.
int64_t wrapIndex(int64_t i, int64_t n, Fill fill) {
  if (i >= 0 && i < n)
    return i;
  switch (fill) {
  case Fill::reflect: { // d c b a | a b c d | d c b a
    int64_t period = 2 * n, m = ((i % period) + period) % period;
    return m < n ? m : period - 1 - m;
  }
  case Fill::wrap: // a b c d | a b c d | a b c d
    return ((i % n) + n) % n;
  default: // nearest (constant never gets here)
    return std::clamp<int64_t>(i, 0, n - 1);
  }
}

/// splitmix64: independent seeds from one (each sample's draw from the
/// flow's seed, its epoch and its position, whichever thread makes it).
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// splitmix64 as a random bit generator: one image's draws from its own
/// seed, without filling mt19937_64's 2.5 KB of state for every image.
struct SplitMix64 {
  using result_type = uint64_t;
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return ~uint64_t(0); }
  uint64_t operator()() {
    uint64_t r = mix(state);
    state += 0x9e3779b97f4a7c15ULL;
    return r;
  }
  uint64_t state;
};

template <typename Engine>
double uniform(Engine &rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

void checkImage(const Tensor &image, const char *what) {
  if (image.rank() != 3)
    throwError("ImageDataGenerator.", what, ": an image is (height, width, "
               "channels), got ", shapeToString(image.shape()));
}

} // namespace

ImageDataGenerator::ImageDataGenerator(ImageDataGeneratorOptions options)
    : o_(std::move(options)) {
  fillOf(o_.fill_mode);
  if (!(o_.validation_split >= 0 && o_.validation_split < 1))
    throwError("ImageDataGenerator: validation_split must be in [0, 1), got ",
               o_.validation_split);
  if (o_.zoom_range.lower <= 0 || o_.zoom_range.upper < o_.zoom_range.lower)
    throwError("ImageDataGenerator: zoom_range must be positive and ordered, "
               "got [", o_.zoom_range.lower, ", ", o_.zoom_range.upper, "]");
  if (o_.interpolation_order != 0 && o_.interpolation_order != 1)
    throwError("ImageDataGenerator: interpolation_order must be 0 (nearest) "
               "or 1 (bilinear), got ", o_.interpolation_order);
  for (double r : {o_.rotation_range, o_.width_shift_range, o_.height_shift_range,
                   o_.shear_range, o_.channel_shift_range})
    if (r < 0 || !std::isfinite(r))
      throwError("ImageDataGenerator: ranges must be finite and non-negative, got ", r);
}

TransformParameters ImageDataGenerator::get_random_transform(const Shape &shape,
                                                             std::mt19937_64 &rng) const {
  return drawTransform(shape, rng);
}

TransformParameters ImageDataGenerator::get_random_transform(const Shape &shape,
                                                             uint64_t seed) const {
  SplitMix64 rng{seed};
  return drawTransform(shape, rng);
}

template <typename Engine>
TransformParameters ImageDataGenerator::drawTransform(const Shape &shape,
                                                      Engine &rng) const {
  if (shape.size() != 3)
    throwError("ImageDataGenerator.get_random_transform: an image is (height, "
               "width, channels), got ", shapeToString(shape));
  // Keras's order of draws: rotation, shifts, shear, zoom, flips, channel.
  TransformParameters p;
  if (o_.rotation_range)
    p.theta = uniform(rng, -o_.rotation_range, o_.rotation_range);
  if (o_.height_shift_range) {
    p.tx = uniform(rng, -o_.height_shift_range, o_.height_shift_range);
    if (o_.height_shift_range < 1)
      p.tx *= double(shape[0]);
  }
  if (o_.width_shift_range) {
    p.ty = uniform(rng, -o_.width_shift_range, o_.width_shift_range);
    if (o_.width_shift_range < 1)
      p.ty *= double(shape[1]);
  }
  if (o_.shear_range)
    p.shear = uniform(rng, -o_.shear_range, o_.shear_range);
  if (o_.zoom_range.lower != 1 || o_.zoom_range.upper != 1) {
    p.zx = uniform(rng, o_.zoom_range.lower, o_.zoom_range.upper);
    p.zy = uniform(rng, o_.zoom_range.lower, o_.zoom_range.upper);
  }
  std::uniform_real_distribution<double> coin(0, 1);
  p.flip_horizontal = (coin(rng) < 0.5) && o_.horizontal_flip;
  p.flip_vertical = (coin(rng) < 0.5) && o_.vertical_flip;
  if (o_.channel_shift_range)
    p.channel_shift_intensity =
        uniform(rng, -o_.channel_shift_range, o_.channel_shift_range);
  return p;
}



Tensor ImageDataGenerator::apply_transform(const Tensor &input,
                                           const TransformParameters &p) const {
  checkImage(input, "apply_transform");
  // An f32 image is read in place; others are converted once.
  Tensor image = input.dtype() == DType::f32 ? input : input.astype(DType::f32);
  Tensor out = Tensor::empty(image.shape());
  transformInto(image.data<float>(), image.shape(), p, out.data<float>());
  return out;
}

void ImageDataGenerator::transformInto(const float *src, const Shape &shape,
                                       const TransformParameters &p,
                                       float *dst) const {
  const int64_t h = shape[0], w = shape[1], c = shape[2];
  Fill fill = fillOf(o_.fill_mode);

  // Keras's apply_affine_transform: the product of the transforms that are
  // not the identity, about the image's centre ((h - 1) / 2, (w - 1) / 2),
  // as Keras's transform_matrix_offset_center puts it since its fix (older
  // versions used h / 2 + 0.5, a pixel off).
  bool any = false;
  Matrix m = identity();
  if (p.theta != 0) {
    double t = p.theta * kPi / 180;
    m = m * Matrix{{{std::cos(t), -std::sin(t), 0}, {std::sin(t), std::cos(t), 0}, {0, 0, 1}}};
    any = true;
  }
  if (p.tx != 0 || p.ty != 0) {
    m = m * Matrix{{{1, 0, p.tx}, {0, 1, p.ty}, {0, 0, 1}}};
    any = true;
  }
  if (p.shear != 0) {
    double s = p.shear * kPi / 180;
    m = m * Matrix{{{1, -std::sin(s), 0}, {0, std::cos(s), 0}, {0, 0, 1}}};
    any = true;
  }
  if (p.zx != 1 || p.zy != 1) {
    m = m * Matrix{{{p.zx, 0, 0}, {0, p.zy, 0}, {0, 0, 1}}};
    any = true;
  }
  if (!any) {
    std::memcpy(dst, src, size_t(h * w * c) * sizeof(float));
  } else {
    double ox = double(h) / 2 - 0.5, oy = double(w) / 2 - 0.5;
    m = Matrix{{{1, 0, ox}, {0, 1, oy}, {0, 0, 1}}} * m *
        Matrix{{{1, 0, -ox}, {0, 1, -oy}, {0, 0, 1}}};
    auto at = [&](int64_t r, int64_t col, int64_t ch) {
      return src[(r * w + col) * c + ch];
    };
    // One pixel by the fill rule: the general path, for the pixels whose
    // neighbours may lie outside the image.
    auto general = [&](double u, double v, float *pixel) {
      const double eps = 1e-9;
      if (fill == Fill::constant &&
          (u < -eps || u > double(h - 1) + eps || v < -eps || v > double(w - 1) + eps)) {
        std::fill(pixel, pixel + c, float(o_.cval));
        return;
      }
      if (o_.interpolation_order == 0) {
        int64_t ri = wrapIndex(int64_t(std::floor(u + 0.5)), h, fill);
        int64_t ci = wrapIndex(int64_t(std::floor(v + 0.5)), w, fill);
        if (fill == Fill::constant)
          ri = std::clamp<int64_t>(ri, 0, h - 1), ci = std::clamp<int64_t>(ci, 0, w - 1);
        for (int64_t ch = 0; ch < c; ++ch)
          pixel[ch] = at(ri, ci, ch);
        return;
      }
      double fu = std::floor(u), fv = std::floor(v);
      double du = u - fu, dv = v - fv;
      int64_t r0 = int64_t(fu), c0 = int64_t(fv);
      int64_t ra = wrapIndex(r0, h, fill), rb = wrapIndex(r0 + 1, h, fill);
      int64_t ca = wrapIndex(c0, w, fill), cb = wrapIndex(c0 + 1, w, fill);
      if (fill == Fill::constant) { // inside, but the far neighbour may not be
        ra = std::clamp<int64_t>(ra, 0, h - 1), rb = std::clamp<int64_t>(rb, 0, h - 1);
        ca = std::clamp<int64_t>(ca, 0, w - 1), cb = std::clamp<int64_t>(cb, 0, w - 1);
      }
      for (int64_t ch = 0; ch < c; ++ch)
        pixel[ch] = float((1 - du) * ((1 - dv) * at(ra, ca, ch) + dv * at(ra, cb, ch)) +
                          du * ((1 - dv) * at(rb, ca, ch) + dv * at(rb, cb, ch)));
    };
    // Each output pixel reads the input at M · (row, col) + offset; along a
    // row that point moves on a line, so the pixels whose four neighbours
    // all lie inside (0 <= u < h - 1, 0 <= v < w - 1) form one run of
    // columns, interpolated without any fill rule.
    // With fill_mode "nearest" the image extends its edges, which is
    // bilinear interpolation at the point clamped into the image: every
    // pixel takes that path.
    const bool bilinear = o_.interpolation_order != 0;
    const bool clampAll = bilinear && fill == Fill::nearest && h >= 2 && w >= 2;
    auto lerp = [c](const float *a, const float *b, float du, float dv,
                    float *pixel) {
      for (int64_t ch = 0; ch < c; ++ch) {
        float top = a[ch] + dv * (a[c + ch] - a[ch]);
        float bottom = b[ch] + dv * (b[c + ch] - b[ch]);
        pixel[ch] = top + du * (bottom - top);
      }
    };
    for (int64_t r = 0; r < h; ++r) {
      const double u0 = m.m[0][0] * double(r) + m.m[0][2];
      const double v0 = m.m[1][0] * double(r) + m.m[1][2];
      const double du1 = m.m[0][1], dv1 = m.m[1][1];
      float *row = dst + r * w * c;
      if (clampAll) {
        for (int64_t col = 0; col < w; ++col) {
          double u = std::clamp(u0 + du1 * double(col), 0.0, double(h - 1));
          double v = std::clamp(v0 + dv1 * double(col), 0.0, double(w - 1));
          int64_t r0 = std::min<int64_t>(int64_t(u), h - 2);
          int64_t c0 = std::min<int64_t>(int64_t(v), w - 2);
          const float *a = src + (r0 * w + c0) * c;
          lerp(a, a + w * c, float(u - double(r0)), float(v - double(c0)), row + col * c);
        }
        continue;
      }
      auto inside = [&](int64_t col) {
        double u = u0 + du1 * double(col), v = v0 + dv1 * double(col);
        return u >= 0 && u < double(h - 1) && v >= 0 && v < double(w - 1);
      };
      int64_t lo = 0, hi = w;
      if (bilinear) {
        while (lo < w && !inside(lo))
          ++lo;
        hi = lo;
        while (hi < w && inside(hi))
          ++hi;
      } else {
        lo = hi = w;
      }
      for (int64_t col = 0; col < lo; ++col)
        general(u0 + du1 * double(col), v0 + dv1 * double(col), row + col * c);
      for (int64_t col = lo; col < hi; ++col) {
        double u = u0 + du1 * double(col), v = v0 + dv1 * double(col);
        int64_t r0 = int64_t(u), c0 = int64_t(v); // floor: both are >= 0
        const float *a = src + (r0 * w + c0) * c;
        lerp(a, a + w * c, float(u - double(r0)), float(v - double(c0)), row + col * c);
      }
      for (int64_t col = hi; col < w; ++col)
        general(u0 + du1 * double(col), v0 + dv1 * double(col), row + col * c);
    }
  }
  const int64_t n = h * w * c;
  if (p.channel_shift_intensity) {
    // Every channel shifted alike, clipped to the image's own range.
    auto [lo, hi] = std::minmax_element(dst, dst + n);
    float mn = *lo, mx = *hi;
    for (int64_t i = 0; i < n; ++i)
      dst[i] = std::clamp(float(dst[i] + *p.channel_shift_intensity), mn, mx);
  }
  // Flips in place: pixel pairs swap across the middle column or row.
  auto swapPixels = [&](int64_t a, int64_t b) {
    std::swap_ranges(dst + a * c, dst + (a + 1) * c, dst + b * c);
  };
  if (p.flip_horizontal)
    for (int64_t r = 0; r < h; ++r)
      for (int64_t col = 0; col < w / 2; ++col)
        swapPixels(r * w + col, r * w + (w - 1 - col));
  if (p.flip_vertical)
    for (int64_t r = 0; r < h / 2; ++r)
      std::swap_ranges(dst + r * w * c, dst + (r + 1) * w * c, dst + (h - 1 - r) * w * c);
}

Tensor ImageDataGenerator::standardize(Tensor image) const {
  checkImage(image, "standardize");
  // astype copies, so the caller's image stays as it was.
  image = image.astype(DType::f32);
  if (o_.preprocessing_function) {
    Shape shape = image.shape();
    image = o_.preprocessing_function(image).astype(DType::f32);
    if (image.shape() != shape)
      throwError("ImageDataGenerator: preprocessing_function must keep the "
                 "image's shape ", shapeToString(shape), ", got ",
                 shapeToString(image.shape()));
  }
  standardizeInPlace(image.data<float>(), image.size(), image.shape()[2]);
  return image;
}

void ImageDataGenerator::standardizeInPlace(float *v, int64_t n, int64_t c) const {
  if (o_.rescale)
    for (int64_t i = 0; i < n; ++i)
      v[i] = float(v[i] * o_.rescale);
  if (o_.samplewise_center || o_.samplewise_std_normalization) {
    double mean = std::accumulate(v, v + n, 0.0) / double(n);
    if (o_.samplewise_center)
      for (int64_t i = 0; i < n; ++i)
        v[i] = float(v[i] - mean);
    if (o_.samplewise_std_normalization) {
      double m2 = 0, mu = o_.samplewise_center ? 0 : mean;
      for (int64_t i = 0; i < n; ++i)
        m2 += (v[i] - mu) * (v[i] - mu);
      double sd = std::sqrt(m2 / double(n));
      for (int64_t i = 0; i < n; ++i)
        v[i] = float(v[i] / (sd + 1e-6));
    }
  }
  if (o_.featurewise_center || o_.featurewise_std_normalization) {
    if (mean_.size() == 0)
      throwError("ImageDataGenerator: featurewise_center and "
                 "featurewise_std_normalization need fit(x) first");
    if (mean_.size() != c)
      throwError("ImageDataGenerator: fit() saw ", mean_.size(),
                 " channels, this image has ", c);
    const float *mu = mean_.data<float>(), *sd = std_.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      if (o_.featurewise_center)
        v[i] -= mu[i % c];
      if (o_.featurewise_std_normalization)
        v[i] = float(v[i] / (sd[i % c] + 1e-6));
    }
  }
}

Tensor ImageDataGenerator::random_transform(const Tensor &image, uint64_t seed) const {
  checkImage(image, "random_transform");
  return apply_transform(image, get_random_transform(image.shape(), seed));
}

void ImageDataGenerator::fit(const Tensor &x, bool augment, int rounds,
                             std::optional<uint64_t> seed) {
  if (x.rank() != 4)
    throwError("ImageDataGenerator.fit: the data must have rank 4 (samples, "
               "height, width, channels), got ", shapeToString(x.shape()));
  if (rounds < 1)
    throwError("ImageDataGenerator.fit: rounds must be positive, got ", rounds);
  const int64_t n = x.shape()[0], c = x.shape()[3], pixels = x.size() / std::max<int64_t>(n, 1);
  if (n == 0)
    throwError("ImageDataGenerator.fit: no samples");
  Tensor data = x.astype(DType::f32);
  const Shape image = {x.shape()[1], x.shape()[2], c};
  // Per channel: the sums over every sample (and round) and pixel, after
  // rescale, in double.
  std::vector<double> sum(size_t(c), 0.0), sq(size_t(c), 0.0);
  uint64_t base = seed ? *seed : detail::globalRng()();
  int64_t count = 0;
  for (int r = 0; r < (augment ? rounds : 1); ++r)
    for (int64_t s = 0; s < n; ++s) {
      const float *v = data.data<float>() + s * pixels;
      Tensor img;
      if (augment) {
        img = random_transform(Tensor::fromPointer(v, image),
                               mix(base + uint64_t(r) * uint64_t(n) + uint64_t(s)));
        v = img.data<float>();
      }
      for (int64_t i = 0; i < pixels; ++i) {
        double val = o_.rescale ? v[i] * o_.rescale : v[i];
        sum[size_t(i % c)] += val;
        sq[size_t(i % c)] += val * val;
      }
      ++count;
    }
  double per = double(count) * double(pixels / c);
  std::vector<float> mean(static_cast<size_t>(c)), sd(static_cast<size_t>(c));
  for (int64_t k = 0; k < c; ++k) {
    double mu = sum[size_t(k)] / per;
    mean[size_t(k)] = float(mu);
    sd[size_t(k)] = float(std::sqrt(std::max(0.0, sq[size_t(k)] / per - mu * mu)));
  }
  mean_ = Tensor::fromVector(mean, {c});
  std_ = Tensor::fromVector(sd, {c});
}

NumpyArrayIterator ImageDataGenerator::flow(const Tensor &x, const Tensor &y,
                                            FlowOptions options) const {
  if (x.rank() != 4)
    throwError("ImageDataGenerator.flow: x must have rank 4 (samples, height, "
               "width, channels), got ", shapeToString(x.shape()),
               "; add the channel axis to grayscale images");
  // A default (empty) Tensor is "no targets".
  bool hasY = y.size() > 0;
  if (hasY && y.shape()[0] != x.shape()[0])
    throwError("ImageDataGenerator.flow: x has ", x.shape()[0], " samples but y has ",
               y.shape()[0]);
  if (options.batch_size <= 0)
    throwError("ImageDataGenerator.flow: batch_size must be positive, got ",
               options.batch_size);
  Tensor xs = x.astype(DType::f32), ys = y;
  if (!options.subset.empty()) {
    if (options.subset != "training" && options.subset != "validation")
      throwError("ImageDataGenerator.flow: subset must be 'training' or "
                 "'validation', got '", options.subset, "'");
    if (o_.validation_split == 0)
      throwError("ImageDataGenerator.flow: subset '", options.subset,
                 "' needs the generator's validation_split");
    int64_t split = int64_t(double(x.shape()[0]) * o_.validation_split);
    int64_t begin = options.subset == "validation" ? 0 : split;
    int64_t end = options.subset == "validation" ? split : x.shape()[0];
    if (end <= begin)
      throwError("ImageDataGenerator.flow: the '", options.subset,
                 "' subset of ", x.shape()[0], " samples is empty");
    xs = xs.slice(begin, end);
    if (hasY)
      ys = ys.slice(begin, end);
  }
  if (xs.shape()[0] == 0)
    throwError("ImageDataGenerator.flow: no samples");
  return NumpyArrayIterator(std::make_shared<const ImageDataGenerator>(*this), xs, ys,
                            options);
}

NumpyArrayIterator::NumpyArrayIterator(std::shared_ptr<const ImageDataGenerator> gen,
                                       Tensor x, Tensor y, const FlowOptions &o)
    : gen_(std::move(gen)), x_(std::move(x)), y_(std::move(y)), n_(x_.shape()[0]),
      batchSize_(o.batch_size), shuffle_(o.shuffle),
      seed_(o.seed ? *o.seed : detail::globalRng()()),
      lock_(std::make_unique<std::mutex>()) {
  order_.resize(size_t(n_));
  epoch_ = -1;
  on_epoch_end();
}

int64_t NumpyArrayIterator::size() const { return (n_ + batchSize_ - 1) / batchSize_; }

void NumpyArrayIterator::on_epoch_end() {
  ++epoch_;
  nextBatch_ = 0;
  std::iota(order_.begin(), order_.end(), 0);
  if (shuffle_) {
    std::mt19937_64 rng(mix(seed_ ^ mix(uint64_t(epoch_))));
    std::shuffle(order_.begin(), order_.end(), rng);
  }
}

std::pair<Tensor, Tensor> NumpyArrayIterator::next() {
  int64_t index;
  {
    std::lock_guard<std::mutex> guard(*lock_);
    if (nextBatch_ == size())
      on_epoch_end();
    index = nextBatch_++;
  }
  return batch(index);
}

std::pair<Tensor, Tensor> NumpyArrayIterator::batch(int64_t index) const {
  if (index < 0 || index >= size())
    throwError("NumpyArrayIterator: batch ", index, " of ", size());
  int64_t begin = index * batchSize_, end = std::min(n_, begin + batchSize_);
  std::vector<int64_t> rows(order_.begin() + begin, order_.begin() + end);
  uint64_t epochSeed = mix(seed_ + 0x632be59bd9b4e019ULL * uint64_t(epoch_ + 1));
  const Shape image = {x_.shape()[1], x_.shape()[2], x_.shape()[3]};
  const int64_t pixels = x_.size() / n_;
  Shape bx = x_.shape();
  bx[0] = int64_t(rows.size());
  Tensor xb = Tensor::empty(bx);
  for (size_t i = 0; i < rows.size(); ++i) {
    TransformParameters p =
        gen_->get_random_transform(image, mix(epochSeed + uint64_t(begin) + i));
    // Transformed and standardized in the batch's own rows.
    float *row = xb.data<float>() + int64_t(i) * pixels;
    gen_->transformInto(x_.data<float>() + rows[i] * pixels, image, p, row);
    if (gen_->options().preprocessing_function) {
      Tensor out = gen_->standardize(Tensor::fromPointer(row, image));
      std::memcpy(row, out.data<float>(), size_t(pixels) * sizeof(float));
    } else {
      gen_->standardizeInPlace(row, pixels, image[2]);
    }
  }
  Tensor yb;
  if (y_.size() > 0) {
    Shape by = y_.shape();
    by[0] = int64_t(rows.size());
    yb = Tensor::empty(by, y_.dtype());
    size_t rowBytes = y_.nbytes() / size_t(n_);
    for (size_t i = 0; i < rows.size(); ++i)
      std::memcpy(static_cast<char *>(yb.raw()) + i * rowBytes,
                  static_cast<const char *>(y_.raw()) + size_t(rows[i]) * rowBytes,
                  rowBytes);
  }
  return {xb, yb};
}

} // namespace kiln::preprocessing
