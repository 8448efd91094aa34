// cairo surfaces to bytes, and chart axes.
#include "frontend/pictures/Canvas.h"

#include "runtime/Error.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace kiln::pictures {
namespace {

cairo_status_t append(void *closure, const unsigned char *data, unsigned int length) {
  static_cast<std::string *>(closure)->append(reinterpret_cast<const char *>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::string tickLabel(double v, double step) {
  // As many decimals as the step needs, no more.
  int decimals = std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v) < step * 1e-6 ? 0.0 : v);
  return buf;
}

} // namespace

Color seriesColor(size_t i) {
  static const Color tab10[] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055},
                                {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
                                {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                                {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
                                {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812}};
  return tab10[i % 10];
}

std::string extensionOf(const std::string &path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::string f = ext.empty() ? "png" : ext.substr(1);
  std::transform(f.begin(), f.end(), f.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return f;
}

std::string formatOf(const std::string &path) {
  std::string f = extensionOf(path);
  if (f != "png" && f != "svg" && f != "pdf")
    throwError(path, ": pictures are written as .png, .svg or .pdf, not '.", f, "'");
  return f;
}

Canvas::Canvas(const std::string &format, double width, double height, int dpi)
    : format_(format) {
  if (dpi <= 0)
    throwError("dpi must be positive, got ", dpi);
  if (format == "png")
    surface_ = cairo_image_surface_create(
        CAIRO_FORMAT_ARGB32, int(std::lround(width * dpi / 72.0)),
        int(std::lround(height * dpi / 72.0)));
  else if (format == "svg")
    surface_ = cairo_svg_surface_create_for_stream(append, &bytes_, width, height);
  else if (format == "pdf")
    surface_ = cairo_pdf_surface_create_for_stream(append, &bytes_, width, height);
  else
    throwError("unknown picture format '", format, "'");
  if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS)
    throwError("cairo: ", cairo_status_to_string(cairo_surface_status(surface_)));
  cr_ = cairo_create(surface_);
  if (format == "png")
    cairo_scale(cr_, dpi / 72.0, dpi / 72.0);
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
  cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         CAIRO_FONT_WEIGHT_NORMAL);
}

Canvas::~Canvas() {
  if (cr_)
    cairo_destroy(cr_);
  if (surface_)
    cairo_surface_destroy(surface_);
}

std::string Canvas::finish() {
  cairo_status_t status = cairo_status(cr_);
  cairo_destroy(cr_);
  cr_ = nullptr;
  if (format_ == "png" && status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png_stream(surface_, append, &bytes_);
  cairo_surface_finish(surface_);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status(surface_);
  cairo_surface_destroy(surface_);
  surface_ = nullptr;
  if (status != CAIRO_STATUS_SUCCESS)
    throwError("cairo: ", cairo_status_to_string(status));
  return std::move(bytes_);
}

std::vector<double> niceTicks(double lo, double hi, int count) {
  if (!(hi > lo))
    return {lo};
  double raw = (hi - lo) / std::max(1, count);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(t);
  return ticks;
}

void niceRange(double &lo, double &hi) {
  if (!(hi > lo)) {
    double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
}

void centredText(cairo_t *cr, const std::string &text, double x, double y,
                 double size, bool vertical) {
  cairo_save(cr);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  cairo_move_to(cr, x, y);
  if (vertical)
    cairo_rotate(cr, -M_PI / 2);
  cairo_rel_move_to(cr, -(e.width / 2 + e.x_bearing), -(e.height / 2 + e.y_bearing));
  cairo_show_text(cr, text.c_str());
  cairo_restore(cr);
}

void drawAxes(cairo_t *cr, const Axes &a, const std::string &title,
              const std::string &xLabel, const std::string &yLabel, bool integerX) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 0.8);
  cairo_rectangle(cr, a.left, a.top, a.width, a.height);
  cairo_stroke(cr);
  const double font = 10;
  std::vector<double> xt = niceTicks(a.xMin, a.xMax, 6), yt = niceTicks(a.yMin, a.yMax, 6);
  double xStep = xt.size() > 1 ? xt[1] - xt[0] : 1, yStep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  if (integerX)
    xStep = std::max(xStep, 1.0);
  for (double t : xt) {
    if (integerX && std::abs(t - std::round(t)) > 1e-9)
      continue;
    cairo_move_to(cr, a.x(t), a.top + a.height);
    cairo_rel_line_to(cr, 0, 3.5);
    cairo_stroke(cr);
    centredText(cr, tickLabel(t, xStep), a.x(t), a.top + a.height + 11, font);
  }
  for (double t : yt) {
    cairo_move_to(cr, a.left, a.y(t));
    cairo_rel_line_to(cr, -3.5, 0);
    cairo_stroke(cr);
    std::string label = tickLabel(t, yStep);
    cairo_set_font_size(cr, font);
    cairo_text_extents_t e;
    cairo_text_extents(cr, label.c_str(), &e);
    cairo_move_to(cr, a.left - 6 - e.width - e.x_bearing, a.y(t) - e.height / 2 - e.y_bearing);
    cairo_show_text(cr, label.c_str());
  }
  // A light grid, as the tutorials' plt.grid(True).
  cairo_set_source_rgba(cr, 0, 0, 0, 0.12);
  cairo_set_line_width(cr, 0.6);
  for (double t : yt) {
    cairo_move_to(cr, a.left, a.y(t));
    cairo_rel_line_to(cr, a.width, 0);
  }
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  centredText(cr, xLabel, a.left + a.width / 2, a.top + a.height + 27, font);
  centredText(cr, yLabel, a.left - 40, a.top + a.height / 2, font, /*vertical=*/true);
  centredText(cr, title, a.left + a.width / 2, a.top - 10, 12);
  cairo_restore(cr);
}

} // namespace kiln::pictures
