// Pictures of models: Keras's utils.model_to_dot and utils.plot_model,
// drawn by Graphviz's own libraries (linked in; nothing to install by hand).
#ifndef KILN_FRONTEND_PLOT_H
#define KILN_FRONTEND_PLOT_H

#include "runtime/Tensor.h"
#include "runtime/train/Callbacks.h"

#include <string>
#include <vector>

namespace kiln {
class Model;
} // namespace kiln

namespace kiln::utils {

struct PlotModelOptions {
  /// Each box also shows the layer's input and output shapes.
  bool show_shapes = false;
  /// Each box also shows the layer's dtype.
  bool show_dtype = false;
  bool show_layer_names = true;
  /// "TB" (top to bottom) or "LR" (left to right).
  std::string rankdir = "TB";
  /// Accepted for Keras's signature: Kiln inlines nested models when it
  /// loads them, so every layer is drawn on its own already.
  bool expand_nested = false;
  int dpi = 96;
};

/// The model as Graphviz DOT text, the graph tf.keras 2's model_to_dot
/// makes: one record box per layer ("dense: Dense", with show_shapes the
/// "input:|output:" table), an edge per inbound tensor, in layer order. A
/// Sequential model's input is drawn as Keras draws it,
/// "<first layer>_input: InputLayer".
std::string model_to_dot(Model &model, const PlotModelOptions &options = {});

/// Keras's plot_model: draws the model into `to_file`, whose extension
/// picks the format (png, svg, pdf, jpg, gif, or dot for the DOT text; none
/// means png). The file is written atomically; errors name the file.
void plot_model(Model &model, const std::string &to_file = "model.png",
                const PlotModelOptions &options = {});

struct PlotHistoryOptions {
  /// The panels, one per metric ("loss", "accuracy"); each also draws
  /// "val_<metric>" when the History has it. Empty: every training metric.
  std::vector<std::string> metrics = {};
  int dpi = 96;
};

/// The learning curves the tutorials draw with matplotlib: one panel per
/// metric, training and validation against the epoch, with axes, grid and
/// legend, drawn with cairo into a .png, .svg or .pdf file (atomically).
void plot_history(const train::History &history, const std::string &to_file,
                  const PlotHistoryOptions &options = {});

struct DecisionRegionsOptions {
  /// The part of the plane drawn.
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  /// Grid cells per side, each coloured by the class predicted at its
  /// centre.
  int resolution = 200;
  std::string title = "";
  int dpi = 96;
};

/// Seed 000's picture of a classifier of two inputs: the plane coloured by
/// the predicted class (argmax, or > 0.5 for one output), the samples `x`
/// (samples, 2) on top coloured by their labels `y` (class ids or one-hot
/// rows); .png, .svg or .pdf.
void plot_decision_regions(Model &model, const Tensor &x, const Tensor &y,
                           const std::string &to_file,
                           const DecisionRegionsOptions &options = {});

/// Renders DOT text with Graphviz's dot layout into `format` ("png",
/// "svg", "pdf", ...) and returns the bytes.
std::string render_dot(const std::string &dot, const std::string &format);

} // namespace kiln::utils

#endif // KILN_FRONTEND_PLOT_H
