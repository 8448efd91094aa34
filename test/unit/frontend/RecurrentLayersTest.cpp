// Keras's SimpleRNN, LSTM and GRU: names and summary rows, Keras's weight
// layout and initializers, forward values against a reference written here
// from Keras's cell equations (double precision, step by step), gradients
// against finite differences through the compiled time loop, and Keras
// configs (.keras and .h5 round trips, a Keras 2 config).
#include "FrontendTestUtil.h"

#include <cmath>
#include <filesystem>

using namespace kiln;
using namespace kiln::test;

namespace {

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

enum class Kind { simple, lstm, gru, gruBefore };

/// The layer's output for input x (batch, time, features) from Keras's
/// equations; weights as Keras stores them.
std::vector<double> reference(Kind kind, const Tensor &x,
                              const std::vector<Tensor> &w, int64_t units,
                              bool returnSequences, bool backwards) {
  int64_t batch = x.shape()[0], time = x.shape()[1], feat = x.shape()[2];
  int64_t gates = kind == Kind::simple ? 1 : kind == Kind::lstm ? 4 : 3;
  int64_t width = gates * units;
  std::vector<float> xv = values(x), k = values(w[0]), u = values(w[1]),
                     bias = values(w[2]);
  std::vector<double> out;
    for (int64_t n = 0; n < batch; ++n) {
    std::vector<double> h(static_cast<size_t>(units), 0.0), c(static_cast<size_t>(units), 0.0);
    for (int64_t step = 0; step < time; ++step) {
      int64_t t = backwards ? time - 1 - step : step;
      std::vector<double> xp(static_cast<size_t>(width)), hp(static_cast<size_t>(width));
      for (int64_t j = 0; j < width; ++j) {
        double a = bias[size_t(j)], r = 0;
        for (int64_t f = 0; f < feat; ++f)
          a += xv[size_t((n * time + t) * feat + f)] * k[size_t(f * width + j)];
        if (kind == Kind::gru)
          r = bias[size_t(width + j)];
        for (int64_t i = 0; i < units; ++i)
          r += h[size_t(i)] * u[size_t(i * width + j)];
        xp[size_t(j)] = a;
        hp[size_t(j)] = r;
      }
      std::vector<double> hn(static_cast<size_t>(units));
      for (int64_t i = 0; i < units; ++i) {
        auto g = [&](int q) { return xp[size_t(q * units + i)] + hp[size_t(q * units + i)]; };
        if (kind == Kind::simple) {
          hn[size_t(i)] = std::tanh(g(0));
        } else if (kind == Kind::lstm) {
          c[size_t(i)] = sigmoid(g(1)) * c[size_t(i)] + sigmoid(g(0)) * std::tanh(g(2));
          hn[size_t(i)] = sigmoid(g(3)) * std::tanh(c[size_t(i)]);
        } else {
          double z = sigmoid(g(0)), r = sigmoid(g(1)), hh;
          if (kind != Kind::gru)
            continue; // reset before: below, once every r is known
          hh = std::tanh(xp[size_t(2 * units + i)] + r * hp[size_t(2 * units + i)]);
          hn[size_t(i)] = z * h[size_t(i)] + (1 - z) * hh;
        }
      }
      if (kind == Kind::gruBefore) {
        // hh = tanh(x_h + (r * h) . U_h): r for every unit first.
        std::vector<double> rh(static_cast<size_t>(units));
        for (int64_t q = 0; q < units; ++q)
          rh[size_t(q)] = sigmoid(xp[size_t(units + q)] + hp[size_t(units + q)]) * h[size_t(q)];
        for (int64_t i = 0; i < units; ++i) {
          double a = xp[size_t(2 * units + i)];
          for (int64_t q = 0; q < units; ++q)
            a += rh[size_t(q)] * u[size_t(q * width + 2 * units + i)];
          double z = sigmoid(xp[size_t(i)] + hp[size_t(i)]);
          hn[size_t(i)] = z * h[size_t(i)] + (1 - z) * std::tanh(a);
        }
      }
      h = hn;
      if (returnSequences)
        out.insert(out.end(), h.begin(), h.end());
    }
    if (!returnSequences)
      out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

Sequential recurrentModel(Kind kind, int64_t units, bool returnSequences,
                          bool backwards, Shape input) {
  Sequential model;
  switch (kind) {
  case Kind::simple:
    model.add(layers::SimpleRNN(units, {.return_sequences = returnSequences,
                                        .go_backwards = backwards,
                                        .input_shape = input}));
    break;
  case Kind::lstm:
    model.add(layers::LSTM(units, {.return_sequences = returnSequences,
                                   .go_backwards = backwards,
                                   .input_shape = input}));
    break;
  case Kind::gru:
  case Kind::gruBefore:
    model.add(layers::GRU(units, {.reset_after = kind == Kind::gru,
                                  .return_sequences = returnSequences,
                                  .go_backwards = backwards,
                                  .input_shape = input}));
    break;
  }
  return model;
}

const char *kindName(Kind k) {
  return k == Kind::simple ? "SimpleRNN" : k == Kind::lstm ? "LSTM"
         : k == Kind::gru  ? "GRU(reset_after)" : "GRU(reset_before)";
}

} // namespace

// Tests names, summary rows and parameter counts as Keras prints them.
TEST(FrontendRecurrentLayers, NamesAndSummaryRows) {
  backend::clear_session();
  Sequential model;
  model.add(layers::SimpleRNN(8, {.return_sequences = true, .input_shape = {5, 3}}));
  model.add(layers::LSTM(8, {.return_sequences = true}));
  model.add(layers::GRU(8, {.return_sequences = true}));
  model.add(layers::GRU(4, {.reset_after = false}));
  std::string summary = summaryOf(model);
  EXPECT_EQ(summaryRow(summary, "simple_rnn"),
            (std::vector<std::string>{"simple_rnn (SimpleRNN)", "(None, 5, 8)", "96"}));
  // 4 gates x 8 units x (8 inputs + 8 recurrent + 1 bias).
  EXPECT_EQ(summaryRow(summary, "lstm"),
            (std::vector<std::string>{"lstm (LSTM)", "(None, 5, 8)", "544"}));
  // reset_after: 3 x 8 x (8 + 8) + 2 biases of 24.
  EXPECT_EQ(summaryRow(summary, "gru"),
            (std::vector<std::string>{"gru (GRU)", "(None, 5, 8)", "432"}));
  EXPECT_EQ(summaryRow(summary, "gru_1"),
            (std::vector<std::string>{"gru_1 (GRU)", "(None, 4)", "156"}));
}

// Tests Keras's initial weights: glorot kernel, orthogonal recurrent kernel
// (orthonormal rows for (units, gates * units)), zero bias with the LSTM
// forget gate's at 1.
TEST(FrontendRecurrentLayers, InitialWeights) {
  Sequential model = recurrentModel(Kind::lstm, 6, false, false, {4, 3});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> w = model.get_weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].shape(), (Shape{3, 24}));
  EXPECT_EQ(w[1].shape(), (Shape{6, 24}));
  EXPECT_EQ(w[2].shape(), (Shape{24}));
  std::vector<float> u = values(w[1]);
  for (int a = 0; a < 6; ++a)
    for (int b = 0; b < 6; ++b) {
      double dot = 0;
      for (int j = 0; j < 24; ++j)
        dot += double(u[size_t(a * 24 + j)]) * u[size_t(b * 24 + j)];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5) << a << "," << b;
    }
  std::vector<float> bias = values(w[2]);
  for (int j = 0; j < 24; ++j)
    EXPECT_EQ(bias[size_t(j)], j >= 6 && j < 12 ? 1.f : 0.f) << j;
}

// Tests the outputs of every cell, with and without return_sequences and
// go_backwards, against the step-by-step reference.
TEST(FrontendRecurrentLayers, ForwardMatchesReference) {
  std::mt19937 rng(11);
  for (Kind kind : {Kind::simple, Kind::lstm, Kind::gru, Kind::gruBefore})
    for (int mode = 0; mode < 4; ++mode) {
      bool sequences = mode == 1 || mode == 3, backwards = mode >= 2;
      SCOPED_TRACE(std::string(kindName(kind)) + (sequences ? " sequences" : "") +
                   (backwards ? " backwards" : ""));
      Sequential model = recurrentModel(kind, 5, sequences, backwards, {7, 3});
      model.compile({.optimizer = "sgd", .loss = "mse"});
      std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
      Tensor x = uniform(rng, {4, 7, 3});
      Tensor y = model.predict(x, {.verbose = 0});
      std::vector<double> want = reference(kind, x, w, 5, sequences, backwards);
      std::vector<float> got = values(y);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], want[i], 2e-5) << i;
    }
}

// Tests gradients through the compiled time loop for every cell: an SGD
// step with learning rate 1 against central differences of the loss.
TEST(FrontendRecurrentLayers, GradientMatchesFiniteDifferences) {
  for (Kind kind : {Kind::simple, Kind::lstm, Kind::gru, Kind::gruBefore}) {
    SCOPED_TRACE(kindName(kind));
    std::mt19937 rng(20 + int(kind));
    // go_backwards with return_sequences on the first layer: its reversed
    // sequence feeds the LSTM.
    Sequential model = recurrentModel(kind, 4, true, true, {6, 3});
    model.add(layers::LSTM(3));
    model.add(layers::Dense(2, {.activation = "softmax"}));
    std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
    model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                   .loss = "categorical_crossentropy"});
    Tensor x = uniform(rng, {5, 6, 3});
    std::vector<float> yv(10, 0.f);
    for (int i = 0; i < 5; ++i)
      yv[size_t(i * 2 + i % 2)] = 1.f;
    expectSgdStepMatchesFiniteDifferences(model, w, x, f32(yv, {5, 2}), 1e-2, 6);
  }
}

// Tests the configs Kiln writes and reads back (.keras and .h5), and a
// Keras 2 config with Keras 2's fields.
TEST(FrontendRecurrentLayers, KerasConfigRoundTrip) {
  Sequential model;
  model.add(layers::LSTM(4, {.return_sequences = true, .input_shape = {5, 3}}));
  model.add(layers::GRU(3, {.reset_after = false}));
  model.add(layers::Dense(2));
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"class_name\": \"LSTM\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"unit_forget_bias\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"class_name\": \"Orthogonal\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"reset_after\": false"), std::string::npos) << json;
  model.compile({.optimizer = "adam", .loss = "mse"});
  std::mt19937 rng(5);
  Tensor x = uniform(rng, {2, 5, 3});
  Tensor y = model.predict(x, {.verbose = 0});
  for (const char *suffix : {".keras", ".h5"}) {
    std::string file = tempModelFile("rnn", suffix);
    model.save(file);
    Model back = load_model(file);
    std::filesystem::remove(file);
    EXPECT_EQ(summaryOf(back), summaryOf(model)) << suffix;
    EXPECT_TRUE(weightsEqual(back.get_weights(), model.get_weights()));
    expectTensorNear(back.predict(x, {.verbose = 0}), y, 0.f);
  }
  Model fromKeras = model_from_json(R"({"class_name": "Sequential",
    "config": {"name": "s", "layers": [
      {"class_name": "GRU", "config": {"name": "g", "units": 6,
       "batch_input_shape": [null, 10, 2], "dtype": "float32",
       "activation": "tanh", "recurrent_activation": "sigmoid",
       "use_bias": true, "return_sequences": false, "return_state": false,
       "go_backwards": false, "stateful": false, "unroll": false,
       "time_major": false, "reset_after": true, "implementation": 2,
       "dropout": 0.0, "recurrent_dropout": 0.0,
       "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
       "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}},
       "bias_initializer": {"class_name": "Zeros", "config": {}}}}]},
    "keras_version": "2.7.0", "backend": "tensorflow"})");
  EXPECT_EQ(fromKeras.output_shape(), (Shape{-1, 6}));
  EXPECT_EQ(fromKeras.get_weights()[2].shape(), (Shape{2, 18}));
}

// Tests input dropout: predict is the model without it; a training step at
// learning rate 0 computes another loss than evaluate at the same weights
// (inputs dropped), and without dropout the two are equal.
TEST(FrontendRecurrentLayers, InputDropoutInTrainingOnly) {
  std::mt19937 rng(31);
  Tensor x = uniform(rng, {8, 5, 6}), y = uniform(rng, {8, 3});
  std::vector<Tensor> w;
  auto lossGap = [&](double rate) {
    Sequential model;
    model.add(layers::GRU(3, {.dropout = rate, .input_shape = {5, 6}}));
    if (w.empty())
      w = randomizeWeights(model, rng, -0.5f, 0.5f);
    model.set_weights(w);
    model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.0}, .loss = "mse"});
    Tensor p = model.predict(x);
    double evaluated = model.evaluate(x, y, {.batch_size = 8})[0];
    double trained = model.fit(x, y, {.epochs = 1, .batch_size = 8, .verbose = 0,
                                      .shuffle = false})
                         .history.at("loss")
                         .front();
    return std::make_pair(p, trained - evaluated);
  };
  auto [plain, none] = lossGap(0.0);
  auto [dropped, some] = lossGap(0.5);
  expectTensorNear(dropped, plain, 0.f);
  EXPECT_NEAR(none, 0.0, 1e-6);
  EXPECT_GT(std::abs(some), 1e-4);
  EXPECT_NE(errorOf([] { layers::LSTM(2, {.dropout = 1.0}); }).find("dropout must be in [0, 1)"),
            std::string::npos);
}

// Tests that ids outside an input Embedding's table are refused before any
// step runs (Keras errors; the compiled lookup would clamp them), naming
// the layer, the id and the sample; fit changes nothing.
TEST(FrontendRecurrentLayers, EmbeddingIdsOutOfRange) {
  Sequential model;
  model.add(layers::Embedding(10, 2, {.input_length = 3}));
  model.add(layers::Flatten());
  model.add(layers::Dense(1));
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> before = model.get_weights();
  Tensor good = f32({0, 1, 9, 2, 3, 4}, {2, 3});
  Tensor high = f32({0, 1, 9, 2, 10, 4}, {2, 3});
  Tensor low = Tensor::fromVector<int32_t>({0, -1, 9, 2, 3, 4}, {2, 3});
  Tensor y = f32({1, 2}, {2, 1});
  std::string msg = errorOf([&] { model.predict(high); });
  EXPECT_NE(msg.find("layer 'embedding"), std::string::npos) << msg;
  EXPECT_NE(msg.find("id 10 of sample 1 is outside [0, 10)"), std::string::npos) << msg;
  msg = errorOf([&] { model.fit(low, y, {.verbose = 0}); });
  EXPECT_NE(msg.find("id -1 of sample 0"), std::string::npos) << msg;
  msg = errorOf([&] {
    model.fit(good, y, {.verbose = 0, .validation_data = {{high, y}}});
  });
  EXPECT_NE(msg.find("id 10"), std::string::npos) << msg;
  EXPECT_TRUE(weightsEqual(model.get_weights(), before));
  EXPECT_EQ(model.predict(good).shape(), (Shape{2, 1}));
}

// Tests what the layers refuse, naming the layer and the reason.
TEST(FrontendRecurrentLayers, BadArguments) {
  EXPECT_NE(errorOf([] { layers::LSTM(0); }).find("units must be positive"),
            std::string::npos);
  Sequential flat;
  flat.add(layers::Dense(4, {.input_shape = {3}}));
  EXPECT_NE(errorOf([&] { flat.add(layers::GRU(2)); }).find("expects an input of rank 3"),
            std::string::npos);
}

// Tests Embedding: its summary row, the rows it looks up (float ids, as
// Keras's float32 Input gives them), the table's gradient through an LSTM
// (rows read twice sum their adjoints) and its config round trip.
TEST(FrontendRecurrentLayers, Embedding) {
  backend::clear_session();
  Sequential model("emb");
  model.add(layers::Embedding(6, 3, {.input_length = 4}));
  model.add(layers::LSTM(2));
  model.add(layers::Dense(2, {.activation = "softmax"}));
  EXPECT_EQ(summaryRow(summaryOf(model), "embedding"),
            (std::vector<std::string>{"embedding (Embedding)", "(None, 4, 3)", "18"}));
  std::mt19937 rng(31);
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);

  Sequential lookup;
  lookup.add(layers::Embedding(6, 3, {.input_length = 3}));
  lookup.compile({.optimizer = "sgd", .loss = "mse"});
  lookup.set_weights({w[0]});
  Tensor y = lookup.predict(f32({5, 0, 2, 3, 1, 5}, {2, 3}), {.verbose = 0});
  std::vector<float> table = values(w[0]), got = values(y);
  int rows[6] = {5, 0, 2, 3, 1, 5};
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 3; ++k)
      EXPECT_EQ(got[size_t(i * 3 + k)], table[size_t(rows[i] * 3 + k)]) << i;

  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                 .loss = "categorical_crossentropy"});
  Tensor x = f32({1, 3, 1, 0, 2, 2, 5, 1, 4, 4, 3, 0}, {3, 4});
  expectSgdStepMatchesFiniteDifferences(
      model, w, x, f32({1, 0, 0, 1, 1, 0}, {3, 2}), 1e-2, 18);

  model.compile({.optimizer = "adam", .loss = "mse"});
  Tensor before = model.predict(x, {.verbose = 0});
  std::string json = model.to_json();
  EXPECT_NE(json.find("\"class_name\": \"Embedding\""), std::string::npos) << json;
  std::string file = tempModelFile("rnn", ".keras");
  model.save(file);
  Model back = load_model(file);
  std::filesystem::remove(file);
  expectTensorNear(back.predict(x, {.verbose = 0}), before, 0.f);
}
