// Keras's return_state: a recurrent layer (and Bidirectional) returning its
// last states after its output, as several outputs of one layer call.
// Values against an LSTM written here from Keras's cell equations (double
// precision), the states feeding a decoder's initial_state (the seq2seq
// pattern), gradients through the states against finite differences,
// summary rows, output names, both file schemas, and the errors.
#include "FrontendTestUtil.h"

#include <cmath>

using namespace kiln;
using namespace kiln::test;

namespace {

/// Keras's LSTM over x (batch, time, features), weights as Keras stores
/// them (kernel, recurrent_kernel, bias; gates i, f, c, o): every step's h,
/// then the last h and c.
struct LstmRef {
  std::vector<double> sequence, h, c;
};
LstmRef lstmRef(const Tensor &x, const std::vector<Tensor> &w, int64_t units) {
  int64_t batch = x.shape()[0], time = x.shape()[1], feat = x.shape()[2];
  int64_t width = 4 * units;
  std::vector<float> xv = values(x), k = values(w[0]), u = values(w[1]),
                     bias = values(w[2]);
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  LstmRef out;
  for (int64_t n = 0; n < batch; ++n) {
    std::vector<double> h(static_cast<size_t>(units), 0.0), c(h);
    for (int64_t t = 0; t < time; ++t) {
      std::vector<double> z(static_cast<size_t>(width));
      for (int64_t j = 0; j < width; ++j) {
        double a = bias[size_t(j)];
        for (int64_t f = 0; f < feat; ++f)
          a += xv[size_t((n * time + t) * feat + f)] * k[size_t(f * width + j)];
        for (int64_t i = 0; i < units; ++i)
          a += h[size_t(i)] * u[size_t(i * width + j)];
        z[size_t(j)] = a;
      }
      for (int64_t i = 0; i < units; ++i) {
        auto g = [&](int q) { return z[size_t(q * units + i)]; };
        c[size_t(i)] = sig(g(1)) * c[size_t(i)] + sig(g(0)) * std::tanh(g(2));
        h[size_t(i)] = sig(g(3)) * std::tanh(c[size_t(i)]);
      }
      out.sequence.insert(out.sequence.end(), h.begin(), h.end());
    }
    out.h.insert(out.h.end(), h.begin(), h.end());
    out.c.insert(out.c.end(), c.begin(), c.end());
  }
  return out;
}

void expectNear(const Tensor &got, const std::vector<double> &want, double tol) {
  std::vector<float> g = values(got);
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < g.size(); ++i)
    EXPECT_NEAR(g[i], want[i], tol) << i;
}

} // namespace

// Tests an LSTM's [sequence, h, c] against the reference, the summary row
// and connections Keras prints, and the output names tf.keras gives the
// three outputs of one layer.
TEST(FrontendRecurrentStates, LstmReturnsLastStates) {
  backend::clear_session();
  std::mt19937 rng(81);
  KerasTensor x = Input({5, 3}, "x");
  auto [seq, h, c] = layers::LSTM(4, {.return_sequences = true,
                                      .return_state = true,
                                      .name = "lstm"})
                         .call_outputs<3>(x);
  EXPECT_EQ(seq.shape(), (Shape{-1, 5, 4}));
  EXPECT_EQ(h.shape(), (Shape{-1, 4}));
  EXPECT_EQ(c.index(), 2u);
  Model model({x}, {seq, h, c}, "m");
  EXPECT_EQ(model.output_names(),
            (std::vector<std::string>{"lstm", "lstm_1", "lstm_2"}));
  std::vector<std::string> row = summaryRow(summaryOf(model), "lstm");
  ASSERT_GE(row.size(), 2u);
  // The list of shapes, cut at the column's end as Keras 2 cuts it.
  EXPECT_EQ(row[1], "[(None, 5, 4), (None, 4),");

  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
  Tensor in = uniform(rng, {3, 5, 3});
  std::vector<Tensor> outs = model.predict_outputs({in}, {.verbose = 0});
  ASSERT_EQ(outs.size(), 3u);
  LstmRef want = lstmRef(in, w, 4);
  expectNear(outs[0], want.sequence, 2e-5);
  expectNear(outs[1], want.h, 2e-5);
  expectNear(outs[2], want.c, 2e-5);

  // A state read by a later layer shows in the "Connected to" column with
  // its tensor index.
  KerasTensor merged = layers::Concatenate()({h, c});
  Model reader(x, layers::Dense(2)(merged), "reader");
  std::string text = summaryOf(reader);
  EXPECT_NE(text.find("lstm[0][1]"), std::string::npos) << text;
  EXPECT_NE(text.find("lstm[0][2]"), std::string::npos) << text;
}

// Tests SimpleRNN and GRU: [output, h] with h the last output, and a GRU
// whose state starts a second GRU over the rest of the sequence giving
// what one GRU gives over all of it (the state is the carried one).
TEST(FrontendRecurrentStates, SimpleRnnAndGruReturnH) {
  std::mt19937 rng(82);
  Tensor seq = uniform(rng, {2, 6, 3});
  for (bool gru : {false, true}) {
    SCOPED_TRACE(gru ? "GRU" : "SimpleRNN");
    KerasTensor x = Input({6, 3});
    Layer rnn = gru ? Layer(layers::GRU(4, {.return_state = true}))
                    : Layer(layers::SimpleRNN(4, {.return_state = true}));
    std::vector<KerasTensor> outs = rnn.call_outputs(x);
    ASSERT_EQ(outs.size(), 2u);
    Model model({x}, outs);
    model.compile({.optimizer = "sgd", .loss = "mse"});
    randomizeWeights(model, rng, -0.5f, 0.5f);
    std::vector<Tensor> y = model.predict_outputs({seq});
    expectTensorNear(y[1], y[0], 0.f);
  }

  // Halves: encoder over steps 0-2, decoder (same weights) from its state
  // over steps 3-5.
  KerasTensor a = Input({3, 3}), b = Input({3, 3});
  Layer enc = layers::GRU(4, {.return_state = true});
  Layer dec = layers::GRU(4);
  auto [encOut, state] = enc.call_outputs<2>(a);
  Model halves(std::vector<KerasTensor>{a, b}, {dec({b, state})});
  halves.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> w = randomizeWeights(halves, rng, -0.5f, 0.5f);
  ASSERT_EQ(w.size(), 6u);
  dec.set_weights({w[0], w[1], w[2]});
  Sequential whole;
  whole.add(layers::GRU(4, {.input_shape = {6, 3}}));
  whole.compile({.optimizer = "sgd", .loss = "mse"});
  whole.set_weights({w[0], w[1], w[2]});
  Tensor first = Tensor::zeros({2, 3, 3}), second = Tensor::zeros({2, 3, 3});
  std::vector<float> sv = values(seq);
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < 6; ++t)
      for (int f = 0; f < 3; ++f)
        (t < 3 ? first : second).data<float>()[(n * 3 + t % 3) * 3 + f] =
            sv[size_t((n * 6 + t) * 3 + f)];
  expectTensorNear(halves.predict({first, second}), whole.predict(seq), 2e-5f);
}

// Tests the seq2seq pattern: an LSTM encoder's [h, c] as the decoder's
// initial_state, trained end to end. Gradients (through both states into
// the encoder's weights) against finite differences; the model in both
// file schemas gives the same predictions.
TEST(FrontendRecurrentStates, EncoderDecoderGradientsAndFiles) {
  std::mt19937 rng(83);
  KerasTensor src = Input({4, 3}, "source"), tgt = Input({3, 2}, "target");
  auto [encOut, h, c] = layers::LSTM(3, {.return_state = true}).call_outputs<3>(src);
  KerasTensor dec = layers::LSTM(3, {.return_sequences = true})({tgt, h, c});
  KerasTensor out = layers::TimeDistributed(
      layers::Dense(2, {.activation = "softmax"}))(dec);
  Model model(std::vector<KerasTensor>{src, tgt}, {out}, "seq2seq");
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                 .loss = "categorical_crossentropy"});
  Tensor xs = uniform(rng, {2, 4, 3}), xt = uniform(rng, {2, 3, 2});
  Tensor y = f32({1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0}, {2, 3, 2});
  Tensor before = model.predict({xs, xt});
  expectSavedAndReloaded(model, "seq2seq", [&](Model &back) {
    expectTensorNear(back.predict({xs, xt}), before, 0.f);
  });
  expectSgdStepMatchesFiniteDifferences(model, w, {xs, xt}, y, 1e-2, 6);
}

// Tests gradients flowing only through the states (the output unused):
// a Dense on [h, c] of an LSTM with go_backwards.
TEST(FrontendRecurrentStates, GradientThroughStatesOnly) {
  std::mt19937 rng(84);
  KerasTensor x = Input({5, 2});
  auto [o, h, c] = layers::LSTM(3, {.return_state = true, .go_backwards = true})
                       .call_outputs<3>(x);
  KerasTensor hc = layers::Concatenate()({h, c});
  Model model(x, layers::Dense(2, {.activation = "softmax"})(hc));
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                 .loss = "categorical_crossentropy"});
  expectSgdStepMatchesFiniteDifferences(model, w, uniform(rng, {3, 5, 2}),
                                        f32({1, 0, 0, 1, 1, 0}, {3, 2}), 1e-2, 6);
}

// Tests Bidirectional with return_state (forward states, then backward
// ones) and merge_mode None (two outputs), against one concat layer with
// the same weights; its configs in both schemas.
TEST(FrontendRecurrentStates, BidirectionalStatesAndMergeNone) {
  std::mt19937 rng(85);
  Tensor in = uniform(rng, {2, 4, 3});
  KerasTensor x = Input({4, 3});
  std::vector<KerasTensor> outs =
      layers::Bidirectional(layers::LSTM(2, {.return_state = true}),
                            {.merge_mode = "None"})
          .call_outputs(x);
  ASSERT_EQ(outs.size(), 6u); // y, y_backward, h, c, h_backward, c_backward
  for (const KerasTensor &t : outs)
    EXPECT_EQ(t.shape(), (Shape{-1, 2}));
  Model model({x}, outs, "bi_states");
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
  std::vector<Tensor> y = model.predict_outputs({in});
  expectTensorNear(y[2], y[0], 0.f);
  expectTensorNear(y[4], y[1], 0.f);
  LstmRef fwd = lstmRef(in, {w[0], w[1], w[2]}, 2);
  expectNear(y[0], fwd.h, 2e-5);
  expectNear(y[3], fwd.c, 2e-5);

  Sequential concat;
  concat.add(layers::Bidirectional(layers::LSTM(2, {.input_shape = {4, 3}})));
  concat.compile({.optimizer = "sgd", .loss = "mse"});
  concat.set_weights(w);
  std::vector<float> both = values(concat.predict(in));
  std::vector<float> f = values(y[0]), b = values(y[1]);
  for (int n = 0; n < 2; ++n)
    for (int k = 0; k < 2; ++k) {
      EXPECT_FLOAT_EQ(both[size_t(n * 4 + k)], f[size_t(n * 2 + k)]);
      EXPECT_FLOAT_EQ(both[size_t(n * 4 + 2 + k)], b[size_t(n * 2 + k)]);
    }

  std::string json = model.to_json();
  EXPECT_NE(json.find("\"merge_mode\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"return_state\": true"), std::string::npos) << json;
  expectSavedAndReloaded(model, "bi-states", [&](Model &back) {
    std::vector<Tensor> again = back.predict_outputs({in});
    ASSERT_EQ(again.size(), 6u);
    for (size_t i = 0; i < 6; ++i)
      expectTensorNear(again[i], y[i], 0.f);
  });
}

// Tests a Keras 2 functional config that reads a layer's second and third
// outputs ([layer, node, tensor] references), and the errors: a
// Sequential model of a multi-output layer, operator() on one, a wrong
// count in call_outputs<N>, and a Bidirectional whose directions disagree.
TEST(FrontendRecurrentStates, KerasConfigAndErrors) {
  Model m = model_from_json(R"({"class_name": "Model", "config": {"name": "enc",
    "layers": [
      {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
       "config": {"name": "in", "batch_input_shape": [null, 6, 2], "dtype": "float32"}},
      {"class_name": "LSTM", "name": "enc_lstm",
       "config": {"name": "enc_lstm", "units": 5, "return_state": true},
       "inbound_nodes": [[["in", 0, 0, {}]]]},
      {"class_name": "Concatenate", "name": "cat", "config": {"name": "cat", "axis": -1},
       "inbound_nodes": [[["enc_lstm", 0, 1, {}], ["enc_lstm", 0, 2, {}]]]}],
    "input_layers": [["in", 0, 0]], "output_layers": [["cat", 0, 0], ["enc_lstm", 0, 2]]},
    "keras_version": "2.4.0", "backend": "tensorflow"})");
  EXPECT_EQ(m.output_names(), (std::vector<std::string>{"cat", "enc_lstm"}));
  m.compile({.optimizer = "sgd", .loss = "mse"});
  std::mt19937 rng(86);
  Tensor in = uniform(rng, {2, 6, 2});
  std::vector<Tensor> y = m.predict_outputs({in});
  ASSERT_EQ(y[0].shape(), (Shape{2, 10}));
  LstmRef want = lstmRef(in, m.get_weights(), 5);
  std::vector<double> hc;
  for (int n = 0; n < 2; ++n) {
    hc.insert(hc.end(), want.h.begin() + n * 5, want.h.begin() + n * 5 + 5);
    hc.insert(hc.end(), want.c.begin() + n * 5, want.c.begin() + n * 5 + 5);
  }
  expectNear(y[0], hc, 2e-5);
  expectNear(y[1], want.c, 2e-5);

  std::string msg = errorOf([] {
    Sequential s;
    s.add(layers::LSTM(3, {.return_state = true, .input_shape = {4, 2}}));
  });
  EXPECT_NE(msg.find("returns 3 tensors (return_state = true)"), std::string::npos) << msg;
  msg = errorOf([] { layers::GRU(3, {.return_state = true})(Input({4, 2})); });
  EXPECT_NE(msg.find("call_outputs"), std::string::npos) << msg;
  msg = errorOf([] { layers::GRU(3, {.return_state = true}).call_outputs<3>(Input({4, 2})); });
  EXPECT_NE(msg.find("returns 2 tensors, not 3"), std::string::npos) << msg;
  msg = errorOf([] {
    layers::Bidirectional(layers::GRU(3, {.return_state = true}),
                          {.backward_layer = layers::GRU(3, {.go_backwards = true})});
  });
  EXPECT_NE(msg.find("must agree on return_state"), std::string::npos) << msg;
  msg = errorOf([] {
    model_from_json(R"({"class_name": "Sequential", "config": {"name": "s",
      "layers": [{"class_name": "GRU", "config": {"name": "g", "units": 2,
        "return_state": true, "batch_input_shape": [null, 3, 1]}}]}})");
  });
  EXPECT_NE(msg.find("layer 'g' returns 2 tensors; every layer of a Sequential"),
            std::string::npos)
      << msg;
}
