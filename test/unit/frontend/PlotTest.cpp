// Kiln's pictures. utils::model_to_dot and utils::plot_model: the DOT text
// exactly as
// tf.keras 2's model_to_dot writes it (record boxes, the input/output
// table, an edge per inbound tensor) for Sequential and Functional models
// (branches, merges, several inputs and outputs, wrappers, a layer of
// several outputs, a shared layer); the pictures Graphviz draws from it
// (PNG, SVG, PDF headers and sizes); the errors, which leave no file.
// utils::plot_history and utils::plot_decision_regions: the pictures read
// back (cairo decodes the PNGs) and their colours checked where they are
// known.
#include "FrontendTestUtil.h"

#include <cairo.h>

#include <filesystem>
#include <fstream>

using namespace kiln;
using namespace kiln::test;

namespace {

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

uint32_t bigEndian(const std::string &bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

} // namespace

// Tests seed 004's MLP: the DOT text of plot_model(model, show_shapes=True),
// the Sequential input drawn as "<first layer>_input: InputLayer".
TEST(FrontendPlot, SequentialDotText) {
  backend::clear_session();
  Sequential model("mlp");
  model.add(layers::Dense(512, {.activation = "relu", .input_shape = {784}}));
  model.add(layers::Dropout(0.2));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  EXPECT_EQ(utils::model_to_dot(model, {.show_shapes = true}),
            "digraph G {\n"
            "rankdir=TB;\n"
            "concentrate=True;\n"
            "dpi=96;\n"
            "node [shape=record];\n"
            "dense_input [label=\"dense_input: InputLayer\\n|{input:|output:}|"
            "{{[(None, 784)]}|{[(None, 784)]}}\"];\n"
            "dense [label=\"dense: Dense\\n|{input:|output:}|{{(None, 784)}|{(None, 512)}}\"];\n"
            "dropout [label=\"dropout: Dropout\\n|{input:|output:}|{{(None, 512)}|{(None, 512)}}\"];\n"
            "dense_1 [label=\"dense_1: Dense\\n|{input:|output:}|{{(None, 512)}|{(None, 10)}}\"];\n"
            "dense_input -> dense;\n"
            "dense -> dropout;\n"
            "dropout -> dense_1;\n"
            "}\n");
  EXPECT_EQ(utils::model_to_dot(model, {.show_layer_names = false, .rankdir = "LR", .dpi = 72}),
            "digraph G {\n"
            "rankdir=LR;\n"
            "concentrate=True;\n"
            "dpi=72;\n"
            "node [shape=record];\n"
            "dense_input [label=\"InputLayer\"];\n"
            "dense [label=\"Dense\"];\n"
            "dropout [label=\"Dropout\"];\n"
            "dense_1 [label=\"Dense\"];\n"
            "dense_input -> dense;\n"
            "dense -> dropout;\n"
            "dropout -> dense_1;\n"
            "}\n");
}

// Tests a Functional model of two inputs and two outputs with a merge, a
// wrapper (labelled "bidirectional(lstm)"), a layer of three outputs (its
// output a list of shapes), a shared layer called on two shapes ("?"),
// show_dtype, and a name DOT must quote.
TEST(FrontendPlot, FunctionalDotText) {
  backend::clear_session();
  KerasTensor seq = Input({5, 3}, "seq"), side = Input({4}, "side info");
  KerasTensor bi = layers::Bidirectional(layers::LSTM(2))(seq);
  auto [o, h, c] = layers::LSTM(2, {.return_state = true}).call_outputs<3>(seq);
  Layer shared = layers::Activation("relu", {.name = "shared"});
  KerasTensor a = layers::Dense(2)(shared(side));
  KerasTensor b = layers::Dense(2)(shared(layers::Concatenate()({bi, h, c})));
  KerasTensor main = layers::Add("main")({a, b});
  Model model(std::vector<KerasTensor>{seq, side}, {main, o}, "two");
  EXPECT_EQ(utils::model_to_dot(model, {.show_shapes = true, .show_dtype = true}),
            "digraph G {\n"
            "rankdir=TB;\n"
            "concentrate=True;\n"
            "dpi=96;\n"
            "node [shape=record];\n"
            "\"side info\" [label=\"side info: InputLayer|float32\\n|{input:|output:}|"
            "{{[(None, 4)]}|{[(None, 4)]}}\"];\n"
            "shared [label=\"shared: Activation|float32\\n|{input:|output:}|{{?}|{?}}\"];\n"
            "dense [label=\"dense: Dense|float32\\n|{input:|output:}|{{(None, 4)}|{(None, 2)}}\"];\n"
            "seq [label=\"seq: InputLayer|float32\\n|{input:|output:}|"
            "{{[(None, 5, 3)]}|{[(None, 5, 3)]}}\"];\n"
            "bidirectional [label=\"bidirectional(lstm): Bidirectional(LSTM)|float32\\n|"
            "{input:|output:}|{{(None, 5, 3)}|{(None, 4)}}\"];\n"
            "lstm_1 [label=\"lstm_1: LSTM|float32\\n|{input:|output:}|"
            "{{(None, 5, 3)}|{[(None, 2), (None, 2), (None, 2)]}}\"];\n"
            "concatenate [label=\"concatenate: Concatenate|float32\\n|{input:|output:}|"
            "{{[(None, 4), (None, 2), (None, 2)]}|{(None, 8)}}\"];\n"
            "dense_1 [label=\"dense_1: Dense|float32\\n|{input:|output:}|{{(None, 8)}|{(None, 2)}}\"];\n"
            "main [label=\"main: Add|float32\\n|{input:|output:}|"
            "{{[(None, 2), (None, 2)]}|{(None, 2)}}\"];\n"
            "\"side info\" -> shared;\n"
            "concatenate -> shared;\n"
            "shared -> dense;\n"
            "seq -> bidirectional;\n"
            "seq -> lstm_1;\n"
            "bidirectional -> concatenate;\n"
            "lstm_1 -> concatenate;\n"
            "lstm_1 -> concatenate;\n"
            "shared -> dense_1;\n"
            "dense -> main;\n"
            "dense_1 -> main;\n"
            "}\n");
}

// Tests the pictures: PNG (its IHDR size grows with dpi), SVG and PDF by
// their headers, the DOT file as the text; the errors name the file and
// leave none behind.
TEST(FrontendPlot, PicturesAndErrors) {
  backend::clear_session();
  Sequential model("mlp");
  model.add(layers::Dense(8, {.activation = "relu", .input_shape = {4}}));
  model.add(layers::Dense(2, {.activation = "softmax"}));
  std::string png = tempModelFile("plot", ".png"), png2 = tempModelFile("plot2", ".png");
  utils::plot_model(model, png, {.show_shapes = true});
  std::string bytes = slurp(png);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  uint32_t width = bigEndian(bytes, 16), height = bigEndian(bytes, 20);
  EXPECT_GT(width, 150u);
  EXPECT_GT(height, 200u); // three boxes, one above the other
  utils::plot_model(model, png2, {.show_shapes = true, .dpi = 192});
  EXPECT_NEAR(double(bigEndian(slurp(png2), 16)), 2.0 * width, 4.0);
  for (const std::string &f : {png, png2})
    std::filesystem::remove(f);

  std::string svg = tempModelFile("plot", ".svg"), pdf = tempModelFile("plot", ".pdf"),
              dot = tempModelFile("plot", ".dot");
  utils::plot_model(model, svg);
  utils::plot_model(model, pdf);
  utils::plot_model(model, dot);
  std::string svgText = slurp(svg);
  EXPECT_NE(svgText.find("<svg"), std::string::npos);
  EXPECT_NE(svgText.find("dense_1: Dense"), std::string::npos);
  EXPECT_EQ(slurp(pdf).substr(0, 5), "%PDF-");
  EXPECT_EQ(slurp(dot), utils::model_to_dot(model));
  for (const std::string &f : {svg, pdf, dot})
    std::filesystem::remove(f);

  std::string bad = tempModelFile("plot", ".nosuchformat");
  std::string msg = errorOf([&] { utils::plot_model(model, bad); });
  EXPECT_NE(msg.find(bad), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot write the format 'nosuchformat'"), std::string::npos) << msg;
  EXPECT_FALSE(std::filesystem::exists(bad));
  msg = errorOf([&] { utils::plot_model(model, "/nonexistent-dir/m.png"); });
  EXPECT_NE(msg.find("/nonexistent-dir/m.png"), std::string::npos) << msg;
  msg = errorOf([&] { utils::model_to_dot(model, {.rankdir = "XY"}); });
  EXPECT_NE(msg.find("rankdir must be"), std::string::npos) << msg;
  Sequential unbuilt;
  unbuilt.add(layers::Dense(2));
  msg = errorOf([&] { utils::model_to_dot(unbuilt); });
  EXPECT_NE(msg.find("has not been built"), std::string::npos) << msg;
}

namespace {

/// The PNG `path` decoded by cairo; pixel (x, y) as 0xRRGGBB.
struct Picture {
  int width = 0, height = 0;
  std::vector<uint32_t> rgb;
  uint32_t at(int x, int y) const { return rgb[size_t(y * width + x)]; }
};
cairo_status_t readBytes(void *closure, unsigned char *data, unsigned int length) {
  auto *in = static_cast<std::ifstream *>(closure);
  in->read(reinterpret_cast<char *>(data), length);
  return in->gcount() == std::streamsize(length) ? CAIRO_STATUS_SUCCESS
                                                 : CAIRO_STATUS_READ_ERROR;
}
Picture readPng(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  cairo_surface_t *s = cairo_image_surface_create_from_png_stream(readBytes, &in);
  Picture p;
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS) << path;
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    p.width = cairo_image_surface_get_width(s);
    p.height = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    for (int y = 0; y < p.height; ++y)
      for (int x = 0; x < p.width; ++x)
        p.rgb.push_back(reinterpret_cast<const uint32_t *>(data + y * stride)[x] & 0xffffff);
  }
  cairo_surface_destroy(s);
  return p;
}

/// Whether colour `c` is within `tol` of 0xRRGGBB `want` in every channel.
bool near(uint32_t c, uint32_t want, int tol = 3) {
  for (int shift : {0, 8, 16})
    if (std::abs(int((c >> shift) & 255) - int((want >> shift) & 255)) > tol)
      return false;
  return true;
}

int64_t countNear(const Picture &p, int x0, int x1, uint32_t want) {
  int64_t n = 0;
  for (int y = 0; y < p.height; ++y)
    for (int x = x0; x < x1; ++x)
      n += near(p.at(x, y), want, 12);
  return n;
}

} // namespace

// Tests plot_history: one panel per metric (the PNG's size), the training
// curve in matplotlib's blue in both panels, the validation curve in its
// orange only where History has val_<metric>; SVG and PDF by header; a
// missing metric and a bad extension are errors naming the file.
TEST(FrontendPlot, HistoryCurves) {
  History h;
  h.history.set("loss", {1.0, 0.7, 0.5, 0.42, 0.4});
  h.history.set("accuracy", {0.5, 0.7, 0.8, 0.85, 0.86});
  h.history.set("val_loss", {1.1, 0.8, 0.65, 0.6, 0.62});
  h.epoch = {0, 1, 2, 3, 4};
  std::string png = tempModelFile("curves", ".png");
  utils::plot_history(h, png);
  Picture p = readPng(png);
  EXPECT_EQ(p.width, 1152); // two panels of 6 inches at 96 dpi
  EXPECT_EQ(p.height, 432);
  const uint32_t blue = 0x1f77b4, orange = 0xff7f0e;
  EXPECT_GT(countNear(p, 0, 576, blue), 200);
  EXPECT_GT(countNear(p, 0, 576, orange), 200);
  EXPECT_GT(countNear(p, 576, 1152, blue), 200);
  EXPECT_EQ(countNear(p, 576, 1152, orange), 0);
  std::filesystem::remove(png);

  std::string svg = tempModelFile("curves", ".svg"), pdf = tempModelFile("curves", ".pdf");
  utils::plot_history(h, svg, {.metrics = {"loss"}});
  utils::plot_history(h, pdf, {.metrics = {"loss"}});
  EXPECT_NE(slurp(svg).find("<svg"), std::string::npos);
  EXPECT_EQ(slurp(pdf).substr(0, 5), "%PDF-");
  std::filesystem::remove(svg);
  std::filesystem::remove(pdf);

  std::string msg = errorOf([&] { utils::plot_history(h, png, {.metrics = {"acc"}}); });
  EXPECT_NE(msg.find("has no 'acc' (it has: loss, accuracy, val_loss)"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(png), std::string::npos) << msg;
  msg = errorOf([&] { utils::plot_history(h, "curves.bmp"); });
  EXPECT_NE(msg.find("curves.bmp: pictures are written as .png, .svg or .pdf"),
            std::string::npos)
      << msg;
  EXPECT_FALSE(std::filesystem::exists(png));
}

// Tests plot_decision_regions on a classifier whose boundary is known
// (class 1 where x[0] > 0.5): the plane's colours either side, the
// samples in their labels' colours, and a model of three inputs refused.
TEST(FrontendPlot, DecisionRegions) {
  Sequential model;
  model.add(layers::Dense(2, {.activation = "softmax", .input_shape = {2}}));
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  model.set_weights({f32({-10, 10, 0, 0}, {2, 2}), f32({5, -5}, {2})});
  Tensor x = f32({0.1f, 0.9f, 0.9f, 0.1f}, {2, 2});
  Tensor labels = f32({1, 0}, {2}); // the first sample drawn in class 1's colour
  std::string png = tempModelFile("regions", ".png");
  utils::plot_decision_regions(model, x, labels, png, {.resolution = 100});
  Picture p = readPng(png);
  ASSERT_EQ(p.width, 576);
  ASSERT_EQ(p.height, 533);
  auto px = [](double v) { return int((62 + v * 350) * 4 / 3); };
  auto py = [](double v) { return int((34 + 320 - v * 320) * 4 / 3); };
  // The regions are the classes' colours paled: 0.6 + 0.4 * colour.
  EXPECT_TRUE(near(p.at(px(0.25), py(0.5)), 0xa5c9e1)) << std::hex << p.at(px(0.25), py(0.5));
  EXPECT_TRUE(near(p.at(px(0.75), py(0.5)), 0xffcc9f)) << std::hex << p.at(px(0.75), py(0.5));
  EXPECT_TRUE(near(p.at(px(0.49), py(0.3)), 0xa5c9e1)) << std::hex << p.at(px(0.49), py(0.3));
  EXPECT_TRUE(near(p.at(px(0.51), py(0.3)), 0xffcc9f)) << std::hex << p.at(px(0.51), py(0.3));
  EXPECT_TRUE(near(p.at(px(0.1), py(0.9)), 0xff7f0e)) << std::hex << p.at(px(0.1), py(0.9));
  EXPECT_TRUE(near(p.at(px(0.9), py(0.1)), 0x1f77b4)) << std::hex << p.at(px(0.9), py(0.1));
  std::filesystem::remove(png);

  Sequential three;
  three.add(layers::Dense(2, {.input_shape = {3}}));
  std::string msg = errorOf([&] {
    utils::plot_decision_regions(three, f32({0, 0, 0}, {1, 3}), f32({0}, {1}), png);
  });
  EXPECT_NE(msg.find("must take two inputs per sample"), std::string::npos) << msg;
}
