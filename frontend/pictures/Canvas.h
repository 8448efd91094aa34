// A drawing surface on cairo (frontend-internal) for Kiln's pictures: PNG
// (an image surface at the asked dpi), SVG or PDF (vector surfaces), all
// written to memory; and the axes of a chart with "nice" ticks.
#ifndef KILN_FRONTEND_PICTURES_CANVAS_H
#define KILN_FRONTEND_PICTURES_CANVAS_H

#include <cairo.h>

#include <string>
#include <vector>

namespace kiln::pictures {

struct Color {
  double r, g, b;
};
/// matplotlib's default cycle ("tab10"): the colours tutorial readers know.
Color seriesColor(size_t i);

/// A file's extension in lower case without its dot; "png" for none.
std::string extensionOf(const std::string &path);

/// The format a file's extension asks for: png (also no extension), svg
/// or pdf; throws naming the file otherwise.
std::string formatOf(const std::string &path);

class Canvas {
public:
  /// A picture of `width` x `height` points (1/72 inch); a PNG has
  /// width * dpi / 72 pixels.
  Canvas(const std::string &format, double width, double height, int dpi);
  ~Canvas();
  Canvas(const Canvas &) = delete;
  Canvas &operator=(const Canvas &) = delete;

  cairo_t *cr() const { return cr_; }
  /// Ends the picture and returns its bytes.
  std::string finish();

private:
  std::string format_, bytes_;
  cairo_surface_t *surface_ = nullptr;
  cairo_t *cr_ = nullptr;
};

/// Where a chart's data goes: a rectangle in points and the data range.
struct Axes {
  double left, top, width, height;
  double xMin, xMax, yMin, yMax;
  double x(double v) const { return left + (v - xMin) / (xMax - xMin) * width; }
  double y(double v) const { return top + height - (v - yMin) / (yMax - yMin) * height; }
};

/// Tick positions covering [lo, hi] at a 1, 2 or 5 times a power of ten
/// step, about `count` of them.
std::vector<double> niceTicks(double lo, double hi, int count);

/// Widens [lo, hi] by 5% on each side (matplotlib's margins), and to a
/// span when lo == hi.
void niceRange(double &lo, double &hi);

/// Draws the frame, the ticks and their labels, the axis labels and the
/// title around `a` (matplotlib's layout, in black on white).
void drawAxes(cairo_t *cr, const Axes &a, const std::string &title,
              const std::string &xLabel, const std::string &yLabel,
              bool integerX = false);

/// Text centred on (x, y) (rotated a quarter turn when `vertical`).
void centredText(cairo_t *cr, const std::string &text, double x, double y,
                 double size, bool vertical = false);

} // namespace kiln::pictures

#endif // KILN_FRONTEND_PICTURES_CANVAS_H
