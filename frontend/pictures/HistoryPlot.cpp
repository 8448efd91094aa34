// utils::plot_history: the learning curves the tutorials draw with
// matplotlib (plt.plot(history.history['loss']), ...): one panel per
// metric, its training curve and, when History has it, the validation
// curve, against the epoch, with a legend.
#include "frontend/Plot.h"
#include "frontend/pictures/Canvas.h"
#include "frontend/saving/AtomicFile.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace kiln::utils {

using namespace pictures;

void plot_history(const train::History &history, const std::string &to_file,
                  const PlotHistoryOptions &o) {
  std::string format = formatOf(to_file);
  std::vector<std::string> metrics = o.metrics;
  if (metrics.empty())
    for (const std::string &k : history.keys())
      if (k.rfind("val_", 0) != 0)
        metrics.push_back(k);
  if (metrics.empty())
    throwError("plot_history: ", to_file, ": the History is empty (call fit first)");
  for (const std::string &m : metrics)
    if (!history.history.contains(m))
      throwError("plot_history: ", to_file, ": the History has no '", m,
                 "' (it has: ", [&] {
                   std::string s;
                   for (const std::string &k : history.keys())
                     s += (s.empty() ? "" : ", ") + k;
                   return s;
                 }(), ")");

  const double panelW = 432, panelH = 324; // 6 x 4.5 inches
  Canvas canvas(format, panelW * double(metrics.size()), panelH, o.dpi);
  cairo_t *cr = canvas.cr();
  for (size_t p = 0; p < metrics.size(); ++p) {
    const std::string &m = metrics[p];
    struct Curve {
      const std::vector<double> *values;
      std::string label;
    };
    std::vector<Curve> curves = {{&history.history[m], "training"}};
    if (history.history.contains("val_" + m))
      curves.push_back({&history.history["val_" + m], "validation"});
    // Epochs count from 1, as the tutorials' range(1, len(acc) + 1).
    double first = history.epoch.empty() ? 1 : history.epoch.front() + 1;
    double yMin = INFINITY, yMax = -INFINITY, n = 0;
    for (const Curve &c : curves) {
      n = std::max(n, double(c.values->size()));
      for (double v : *c.values)
        if (std::isfinite(v)) {
          yMin = std::min(yMin, v);
          yMax = std::max(yMax, v);
        }
    }
    if (!std::isfinite(yMin))
      yMin = 0, yMax = 1;
    niceRange(yMin, yMax);
    double xMin = first, xMax = first + std::max(1.0, n - 1);
    niceRange(xMin, xMax);
    Axes a{panelW * double(p) + 62, 34, panelW - 84, panelH - 82, xMin, xMax, yMin, yMax};
    drawAxes(cr, a, m, "epoch", m, /*integerX=*/true);

    // The legend goes where it covers fewest points (matplotlib's "best"):
    // the corners in its order, upper right first.
    const double legendW = 96, legendH = 8 + 14 * double(curves.size());
    double bestX = 0, bestY = 0;
    int64_t fewest = -1;
    for (auto [cx, cy] : {std::pair{1, 0}, {0, 0}, {0, 1}, {1, 1}}) {
      double lx = cx ? a.left + a.width - legendW - 6 : a.left + 6;
      double ly = cy ? a.top + a.height - legendH - 6 : a.top + 6;
      int64_t covered = 0;
      for (const Curve &c : curves)
        for (size_t i = 0; i < c.values->size(); ++i) {
          // Each point, and the midpoint to the next, stands for the line.
          for (double f : {0.0, 0.5}) {
            if (i + 1 >= c.values->size() && f > 0)
              continue;
            double v = f == 0 ? (*c.values)[i]
                              : ((*c.values)[i] + (*c.values)[i + 1]) / 2;
            double x = a.x(first + double(i) + f), y = a.y(v);
            covered += std::isfinite(v) && x >= lx && x <= lx + legendW &&
                       y >= ly && y <= ly + legendH;
          }
        }
      if (fewest < 0 || covered < fewest) {
        fewest = covered;
        bestX = lx;
        bestY = ly;
      }
    }

    for (size_t k = 0; k < curves.size(); ++k) {
      Color col = seriesColor(k);
      cairo_set_source_rgb(cr, col.r, col.g, col.b);
      cairo_set_line_width(cr, 1.5);
      bool drawing = false;
      const std::vector<double> &v = *curves[k].values;
      for (size_t i = 0; i < v.size(); ++i) {
        if (!std::isfinite(v[i])) {
          drawing = false; // a NaN epoch breaks the line
          continue;
        }
        double x = a.x(first + double(i)), y = a.y(v[i]);
        drawing ? cairo_line_to(cr, x, y) : cairo_move_to(cr, x, y);
        drawing = true;
        if (v.size() <= 40) { // markers where the epochs are few
          cairo_stroke(cr);
          cairo_arc(cr, x, y, 2.2, 0, 2 * M_PI);
          cairo_fill(cr);
          cairo_move_to(cr, x, y);
        }
      }
      cairo_stroke(cr);
    }
    // The legend's box (white, a grey frame), then a line and a name per
    // curve.
    cairo_rectangle(cr, bestX, bestY, legendW, legendH);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    for (size_t k = 0; k < curves.size(); ++k) {
      Color col = seriesColor(k);
      double ly = bestY + 11 + 14 * double(k), lx = bestX + 6;
      cairo_set_source_rgb(cr, col.r, col.g, col.b);
      cairo_set_line_width(cr, 1.5);
      cairo_move_to(cr, lx, ly);
      cairo_rel_line_to(cr, 18, 0);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_set_font_size(cr, 10);
      cairo_move_to(cr, lx + 24, ly + 3.5);
      cairo_show_text(cr, curves[k].label.c_str());
    }
  }
  saving::writeFileAtomically(to_file, canvas.finish());
}

} // namespace kiln::utils
