// utils::plot_decision_regions: seed 000's picture of what a classifier of
// two inputs learned: every point of a grid coloured by its predicted
// class, the training samples on top in their own class's colour.
#include "frontend/Model.h"
#include "frontend/Plot.h"
#include "frontend/pictures/Canvas.h"
#include "frontend/saving/AtomicFile.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace kiln::utils {

using namespace pictures;

namespace {

/// The class of each row: argmax, or 0/1 against 0.5 for one column.
std::vector<int64_t> classesOf(const Tensor &t) {
  Tensor f = t.astype(DType::f32);
  int64_t rows = f.shape().empty() ? 0 : f.shape()[0];
  int64_t cols = f.shape().size() > 1 ? f.size() / std::max<int64_t>(rows, 1) : 0;
  const float *v = f.data<float>();
  std::vector<int64_t> out(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    if (cols <= 1) {
      float x = v[r];
      out[size_t(r)] = cols == 1 ? (x > 0.5f ? 1 : 0) : int64_t(std::lround(x));
      continue;
    }
    const float *row = v + r * cols;
    out[size_t(r)] = std::max_element(row, row + cols) - row;
  }
  return out;
}

} // namespace

void plot_decision_regions(Model &model, const Tensor &x, const Tensor &y,
                           const std::string &to_file,
                           const DecisionRegionsOptions &o) {
  std::string format = formatOf(to_file);
  if (model.input_shape() != Shape{-1, 2})
    throwError("plot_decision_regions: ", to_file, ": the model must take two "
               "inputs per sample, (None, 2); it takes ",
               shapeToString(model.input_shape()));
  if (x.shape().size() != 2 || x.shape()[1] != 2 || y.shape().empty() ||
      y.shape()[0] != x.shape()[0])
    throwError("plot_decision_regions: ", to_file, ": x must be (samples, 2) "
               "and y hold one label (or one-hot row) per sample; got ",
               shapeToString(x.shape()), " and ", shapeToString(y.shape()));
  if (o.resolution < 2 || o.resolution > 2000)
    throwError("plot_decision_regions: resolution must be in [2, 2000], got ",
               o.resolution);
  double x0 = o.x_min, x1 = o.x_max, y0 = o.y_min, y1 = o.y_max;
  if (!(x1 > x0) || !(y1 > y0))
    throwError("plot_decision_regions: the ranges must be increasing");

  // The grid's cell centres, row by row from the top.
  int n = o.resolution;
  std::vector<float> grid;
  grid.reserve(size_t(n) * size_t(n) * 2);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      grid.push_back(float(x0 + (x1 - x0) * (c + 0.5) / n));
      grid.push_back(float(y1 - (y1 - y0) * (r + 0.5) / n));
    }
  std::vector<int64_t> cls =
      classesOf(model.predict(Tensor::fromVector<float>(grid, {int64_t(n) * n, 2}),
                              {.batch_size = 1024, .verbose = 0}));
  std::vector<int64_t> labels = classesOf(y);

  Canvas canvas(format, 432, 400, o.dpi);
  cairo_t *cr = canvas.cr();
  Axes a{62, 34, 350, 320, x0, x1, y0, y1};
  // The regions as an image of one pixel per cell, scaled up without
  // smoothing: no seams between cells, and a small SVG or PDF.
  cairo_surface_t *cells = cairo_image_surface_create(CAIRO_FORMAT_RGB24, n, n);
  cairo_surface_flush(cells);
  unsigned char *data = cairo_image_surface_get_data(cells);
  int stride = cairo_image_surface_get_stride(cells);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      Color col = seriesColor(size_t(cls[size_t(r * n + c)]));
      // The regions pale, so the samples stand out.
      auto channel = [](double v) { return uint32_t(std::lround(255 * (0.6 + 0.4 * v))); };
      reinterpret_cast<uint32_t *>(data + r * stride)[c] =
          channel(col.r) << 16 | channel(col.g) << 8 | channel(col.b);
    }
  cairo_surface_mark_dirty(cells);
  cairo_save(cr);
  cairo_rectangle(cr, a.left, a.top, a.width, a.height);
  cairo_clip(cr);
  cairo_translate(cr, a.left, a.top);
  cairo_scale(cr, a.width / n, a.height / n);
  cairo_set_source_surface(cr, cells, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(cells);
  drawAxes(cr, a, o.title, "x[0]", "x[1]");
  Tensor xf = x.astype(DType::f32);
  const float *xv = xf.data<float>();
  for (size_t i = 0; i < labels.size(); ++i) {
    Color col = seriesColor(size_t(labels[i]));
    cairo_new_path(cr);
    cairo_arc(cr, a.x(xv[2 * i]), a.y(xv[2 * i + 1]), 5, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
  }
  saving::writeFileAtomically(to_file, canvas.finish());
}

} // namespace kiln::utils
