// The Functional API on real compiled models: skip connections through Add
// and Concatenate, shared layers; each model trains and its predictions
// equal a forward pass computed by hand from get_weights().
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

/// 64 samples of 8 features; the label is 1 when the features sum above 0.
struct Data {
  Tensor x, y;
};

Data sumSignData() {
  std::mt19937 rng(31);
  Data d;
  d.x = uniform(rng, {64, 8});
  std::vector<float> xv = values(d.x);
  std::vector<int32_t> y;
  for (int64_t i = 0; i < 64; ++i) {
    float s = 0;
    for (int64_t j = 0; j < 8; ++j)
      s += xv[i * 8 + j];
    y.push_back(s > 0 ? 1 : 0);
  }
  d.y = Tensor::fromVector(y, {64});
  return d;
}

Tensor addRef(const Tensor &a, const Tensor &b) {
  std::vector<float> av = values(a), bv = values(b);
  for (size_t i = 0; i < av.size(); ++i)
    av[i] += bv[i];
  return f32(av, a.shape());
}

Tensor concatRef(const Tensor &a, const Tensor &b) {
  int64_t n = a.shape()[0], wa = a.shape()[1], wb = b.shape()[1];
  std::vector<float> av = values(a), bv = values(b), out;
  for (int64_t i = 0; i < n; ++i) {
    out.insert(out.end(), av.begin() + i * wa, av.begin() + (i + 1) * wa);
    out.insert(out.end(), bv.begin() + i * wb, bv.begin() + (i + 1) * wb);
  }
  return f32(out, {n, wa + wb});
}

void compileAndTrain(Model &model, const Data &d) {
  model.compile({.optimizer = optimizers::Adam{.learning_rate = 0.01},
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  History h = model.fit(d.x, d.y, {.epochs = 30, .batch_size = 16, .verbose = 0,
                                   .seed = 3});
  const std::vector<double> &loss = h.history["loss"];
  EXPECT_LT(loss.back(), 0.7 * loss.front()) << "the loss must fall";
  EXPECT_GT(h.history["accuracy"].back(), 0.85);
}

} // namespace

// Tests x -> Dense(8, relu) -> Add([x, h]) -> Dense(2, softmax): it trains,
// and predict() equals softmax((x + relu(x W1 + b1)) W2 + b2).
TEST(FrontendFunctional, AddSkipConnectionTrainsAndMatchesHandForward) {
  utils::set_random_seed(41);
  KerasTensor x = Input({8});
  KerasTensor h = layers::Dense(8, {.activation = "relu"})(x);
  KerasTensor s = layers::Add()({x, h});
  KerasTensor out = layers::Dense(2, {.activation = "softmax"})(s);
  Model model(x, out);
  EXPECT_EQ(out.shape(), (Shape{-1, 2}));
  Data d = sumSignData();
  compileAndTrain(model, d);

  std::vector<Tensor> w = model.get_weights();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].shape(), (Shape{8, 8}));
  EXPECT_EQ(w[2].shape(), (Shape{8, 2}));
  Tensor hidden = denseRef(d.x, w[0], w[1], "relu");
  Tensor expected = denseRef(addRef(d.x, hidden), w[2], w[3], "softmax");
  expectTensorNear(model.predict(d.x, {.batch_size = 20}), expected, 1e-5);
  // The skip path matters: dropping it gives different predictions.
  Tensor noSkip = denseRef(hidden, w[2], w[3], "softmax");
  EXPECT_GT(std::fabs(values(noSkip)[0] - values(expected)[0]) +
                std::fabs(values(noSkip)[2] - values(expected)[2]),
            1e-3);
}

// Tests the Concatenate variant: Dense(2) sees [x, h] (16 features).
TEST(FrontendFunctional, ConcatenateSkipConnectionTrainsAndMatchesHandForward) {
  utils::set_random_seed(42);
  KerasTensor x = Input({8});
  KerasTensor h = layers::Dense(8, {.activation = "relu"})(x);
  KerasTensor c = layers::Concatenate()({x, h});
  EXPECT_EQ(c.shape(), (Shape{-1, 16}));
  KerasTensor out = layers::Dense(2, {.activation = "softmax"})(c);
  Model model(x, out);
  Data d = sumSignData();
  compileAndTrain(model, d);

  std::vector<Tensor> w = model.get_weights();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[2].shape(), (Shape{16, 2}));
  Tensor hidden = denseRef(d.x, w[0], w[1], "relu");
  Tensor expected = denseRef(concatRef(d.x, hidden), w[2], w[3], "softmax");
  expectTensorNear(model.predict(d.x, {.batch_size = 7}), expected, 1e-5);
}

// Tests a three-way Add and a Concatenate of two branches of different
// widths, with weights set by hand (no training).
TEST(FrontendFunctional, MultiBranchGraphMatchesHandForward) {
  KerasTensor x = Input({3});
  KerasTensor a = layers::Dense(4, {.activation = "tanh"})(x);
  KerasTensor b = layers::Dense(4, {.activation = "sigmoid"})(x);
  KerasTensor c = layers::Dense(4)(a);
  KerasTensor sum = layers::Add()({a, b, c});
  KerasTensor wide = layers::Dense(2, {.activation = "relu"})(x);
  KerasTensor cat = layers::Concatenate(1)({sum, wide});
  KerasTensor out = layers::Dense(1)(cat);
  Model model(x, out);
  model.compile({.optimizer = "sgd", .loss = "mse"});
  std::mt19937 rng(43);
  randomizeWeights(model, rng, -1, 1);
  std::vector<Layer> ls = model.layers();
  auto weightsOf = [&](const KerasTensor &t) {
    return Layer(t.node()->layer).get_weights();
  };
  Tensor xin = uniform(rng, {5, 3});
  auto wa = weightsOf(a), wb = weightsOf(b), wc = weightsOf(c),
       ww = weightsOf(wide), wo = weightsOf(out);
  Tensor ya = denseRef(xin, wa[0], wa[1], "tanh");
  Tensor yb = denseRef(xin, wb[0], wb[1], "sigmoid");
  Tensor yc = denseRef(ya, wc[0], wc[1]);
  Tensor yw = denseRef(xin, ww[0], ww[1], "relu");
  Tensor expected =
      denseRef(concatRef(addRef(addRef(ya, yb), yc), yw), wo[0], wo[1]);
  expectTensorNear(model.predict(xin), expected, 1e-5);
  // model.get_weights() holds the same arrays as the layers, in layer order.
  std::vector<Tensor> all;
  for (const Layer &l : ls)
    for (const Tensor &t : l.get_weights())
      all.push_back(t);
  EXPECT_TRUE(weightsEqual(model.get_weights(), all));
}

// Tests a layer called twice shares one set of weights: two kernels in
// get_weights(), counted once in the summary, and training updates it.
TEST(FrontendFunctional, SharedLayerHasOneSetOfWeights) {
  KerasTensor x = Input({4});
  layers::Dense shared(4, {.activation = "tanh"});
  KerasTensor h1 = shared(x);
  KerasTensor h2 = shared(h1);
  KerasTensor out = layers::Dense(1)(h2);
  Model model(x, out, "shared");
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, .loss = "mse"});
  std::mt19937 rng(44);
  std::vector<Tensor> w = randomizeWeights(model, rng, -1, 1);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_NE(summaryOf(model).find("Total params: 25\n"), std::string::npos)
      << summaryOf(model);
  Tensor xin = uniform(rng, {6, 4});
  Tensor expected = denseRef(
      denseRef(denseRef(xin, w[0], w[1], "tanh"), w[0], w[1], "tanh"), w[2], w[3]);
  expectTensorNear(model.predict(xin), expected, 1e-5);
  model.fit(xin, uniform(rng, {6, 1}), {.epochs = 1, .verbose = 0});
  std::vector<Tensor> after = model.get_weights();
  EXPECT_FALSE(weightsEqual({after[0]}, {w[0]}));
  EXPECT_TRUE(weightsEqual(shared.get_weights(), {after[0], after[1]}));
}

// Tests a model of two inputs (the features split 5 + 3): fit, evaluate and
// predict take one array per input in the model's input order and agree
// with the same features through a one-input model of the same weights;
// a wrong number of arrays is refused, naming both counts.
TEST(FrontendFunctional, TwoInputsTrainEvaluateAndPredict) {
  Data d = sumSignData();
  std::vector<float> xv = values(d.x), av, bv;
  for (int64_t i = 0; i < 64; ++i) {
    av.insert(av.end(), xv.begin() + i * 8, xv.begin() + i * 8 + 5);
    bv.insert(bv.end(), xv.begin() + i * 8 + 5, xv.begin() + i * 8 + 8);
  }
  Tensor a = f32(av, {64, 5}), b = f32(bv, {64, 3});
  KerasTensor ia = Input({5}), ib = Input({3});
  KerasTensor h = layers::Dense(8, {.activation = "relu"})(layers::Concatenate()({ia, ib}));
  Model model({ia, ib}, {layers::Dense(2, {.activation = "softmax"})(h)});
  model.compile({.optimizer = optimizers::Adam{.learning_rate = 0.01},
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  History hist = model.fit({a, b}, d.y, {.epochs = 30, .batch_size = 16,
                                         .verbose = 0, .seed = 3});
  EXPECT_LT(hist.history["loss"].back(), 0.7 * hist.history["loss"].front());
  EXPECT_GT(hist.history["accuracy"].back(), 0.85);

  KerasTensor x = Input({8});
  KerasTensor h1 = layers::Dense(8, {.activation = "relu"})(x);
  Model one(x, layers::Dense(2, {.activation = "softmax"})(h1));
  one.set_weights(model.get_weights());
  one.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
               .metrics = {"accuracy"}});
  expectTensorNear(model.predict({a, b}), one.predict(d.x), 1e-6f);
  std::vector<double> two = model.evaluate({a, b}, d.y);
  std::vector<double> ref = one.evaluate(d.x, d.y);
  EXPECT_NEAR(two[0], ref[0], 1e-6);
  EXPECT_NEAR(two[1], ref[1], 1e-9);

  std::string msg = errorOf([&] { model.predict(a); });
  EXPECT_NE(msg.find("got 1 input array, but the model has 2 inputs"),
            std::string::npos) << msg;
}

namespace {

/// A model of two outputs on sumSignData: "main" (softmax, the classes)
/// and "aux" (a regression of 0.5 * class - 0.25, target yAux) on one
/// hidden layer.
struct TwoOutputs {
  Data d;
  Tensor yAux;
  KerasTensor x, main, side;
};
TwoOutputs twoOutputs() {
  TwoOutputs t{sumSignData(), {}, {}, {}, {}};
  std::vector<float> yv = values(t.d.y.astype(DType::f32)), aux;
  for (int64_t i = 0; i < 64; ++i)
    aux.push_back(0.5f * yv[size_t(i)] - 0.25f);
  t.yAux = f32(aux, {64, 1});
  t.x = Input({8});
  KerasTensor h = layers::Dense(6, {.activation = "tanh"})(t.x);
  t.main = layers::Dense(2, {.activation = "softmax", .name = "main"})(h);
  t.side = layers::Dense(1, {.name = "aux"})(h);
  return t;
}

} // namespace

// Tests a model of two outputs as Keras trains it: a loss per output (map,
// list, or one name for both) and loss_weights, results named "loss",
// "<output>_loss", "<output>_<metric>", each output's loss and metric equal
// to its single-output model's, the total the weighted sum, one SGD step
// against finite differences of that total, predict_outputs, the errors,
// and the compile config through both file schemas.
TEST(FrontendFunctional, TwoOutputsLossesWeightsAndNames) {
  TwoOutputs t = twoOutputs();
  Data &d = t.d;
  Tensor &yAux = t.yAux;
  KerasTensor &x = t.x, &main = t.main, &side = t.side;
  Model model(std::vector<KerasTensor>{x}, {main, side});
  std::mt19937 rng(79);
  std::vector<Tensor> w = randomizeWeights(model, rng, -0.5f, 0.5f);
  model.compile({.optimizer = optimizers::SGD{.learning_rate = 1.0},
                 .loss = {{"main", "sparse_categorical_crossentropy"}, {"aux", "mse"}},
                 .loss_weights = {{"aux", 0.5}},
                 .metrics = {"accuracy"}});
  EXPECT_EQ(model.output_names(), (std::vector<std::string>{"main", "aux"}));
  EXPECT_EQ(model.metrics_names(),
            (std::vector<std::string>{"loss", "main_loss", "aux_loss", "main_accuracy",
                                      "aux_accuracy"}));
  std::vector<double> r = model.evaluate({d.x}, {d.y, yAux});

  Model mainOnly(x, main), auxOnly(x, side);
  mainOnly.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
                    .metrics = {"accuracy"}});
  auxOnly.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"accuracy"}});
  std::vector<double> rm = mainOnly.evaluate(d.x, d.y), ra = auxOnly.evaluate(d.x, yAux);
  EXPECT_NEAR(r[1], rm[0], 1e-6);
  EXPECT_NEAR(r[2], ra[0], 1e-6);
  EXPECT_NEAR(r[0], rm[0] + 0.5 * ra[0], 1e-6);
  EXPECT_NEAR(r[3], rm[1], 1e-9);
  EXPECT_NEAR(r[4], ra[1], 1e-9);
  std::vector<Tensor> p = model.predict_outputs({d.x});
  ASSERT_EQ(p.size(), 2u);
  expectTensorNear(p[0], mainOnly.predict(d.x), 0.f);
  expectTensorNear(p[1], auxOnly.predict(d.x), 0.f);

  // One SGD step (learning rate 1) moves each weight by the gradient of
  // the weighted total.
  auto totalAt = [&](const std::vector<Tensor> &weights) {
    model.set_weights(weights);
    return model.evaluate({d.x}, {d.y, yAux}, {.batch_size = 64})[0];
  };
  History hist = model.fit({d.x}, {d.y, yAux},
                           {.epochs = 1, .batch_size = 64, .verbose = 0, .shuffle = false});
  EXPECT_EQ(hist.history.size(), 5u);
  EXPECT_NEAR(hist.history.at("loss").front(), r[0], 1e-6);
  EXPECT_NEAR(hist.history.at("aux_loss").front(), r[2], 1e-6);
  std::vector<Tensor> stepped = model.get_weights();
  for (size_t t = 0; t < w.size(); ++t)
    for (int64_t i = 0; i < std::min<int64_t>(w[t].size(), 4); ++i) {
      std::vector<Tensor> plus, minus;
      for (const Tensor &v : w) {
        plus.push_back(v.clone());
        minus.push_back(v.clone());
      }
      plus[t].data<float>()[i] += 1e-2f;
      minus[t].data<float>()[i] -= 1e-2f;
      double numeric = (totalAt(plus) - totalAt(minus)) / 2e-2;
      double analytic = w[t].data<float>()[i] - stepped[t].data<float>()[i];
      EXPECT_NEAR(analytic, numeric, 2e-3 + 1e-2 * std::abs(numeric))
          << "weight #" << t << " element " << i;
    }

  // The list spelling gives the same; one name applies to every output.
  model.set_weights(w);
  model.compile({.optimizer = "sgd",
                 .loss = {"sparse_categorical_crossentropy", "mse"},
                 .loss_weights = {1.0, 0.5},
                 .metrics = {"accuracy"}});
  std::vector<double> again = model.evaluate({d.x}, {d.y, yAux});
  for (size_t k = 0; k < r.size(); ++k)
    EXPECT_NEAR(again[k], r[k], 1e-9) << k;
  expectSavedAndReloaded(model, "two-outputs", [&](Model &back) {
    EXPECT_EQ(back.metrics_names(), model.metrics_names());
    EXPECT_EQ(back.loss(), model.loss());
    std::vector<double> b = back.evaluate({d.x}, {d.y, yAux});
    for (size_t k = 0; k < r.size(); ++k)
      EXPECT_NEAR(b[k], r[k], 1e-9) << k;
  });

  std::string msg = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = {"mse"}});
  });
  EXPECT_NE(msg.find("the model has 2 outputs (main, aux) but the loss list has 1 entry"),
            std::string::npos) << msg;
  msg = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = {{"main", "mse"}, {"side", "mse"}}});
  });
  EXPECT_NE(msg.find("names output 'side'"), std::string::npos) << msg;
  model.compile({.optimizer = "sgd", .loss = "mse"});
  msg = errorOf([&] { model.fit({d.x}, {yAux}, {.verbose = 0}); });
  EXPECT_NE(msg.find("2 targets"), std::string::npos) << msg;
}

// Tests metrics per output: a map by output name (an output left out gets
// none) and a list per output, named "<output>_<metric>" as Keras names
// them, equal to the one-output models' figures; the map and the lists
// through both file schemas; the errors.
TEST(FrontendFunctional, MetricsPerOutput) {
  TwoOutputs t = twoOutputs();
  Data &d = t.d;
  Tensor &yAux = t.yAux;
  KerasTensor &x = t.x, &main = t.main, &side = t.side;
  Model model(std::vector<KerasTensor>{x}, {main, side});
  model.compile({.optimizer = "sgd",
                 .loss = {"sparse_categorical_crossentropy", "mse"},
                 .metrics = {{"main", {"accuracy"}}}});
  EXPECT_EQ(model.metrics_names(),
            (std::vector<std::string>{"loss", "main_loss", "aux_loss", "main_accuracy"}));
  std::vector<double> r = model.evaluate({d.x}, {d.y, yAux});
  Model mainOnly(x, main), auxOnly(x, side);
  mainOnly.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
                    .metrics = {"accuracy"}});
  auxOnly.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"mae", "mse"}});
  std::vector<double> rm = mainOnly.evaluate(d.x, d.y), ra = auxOnly.evaluate(d.x, yAux);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_NEAR(r[3], rm[1], 1e-9);
  expectSavedAndReloaded(model, "metrics-map", [&](Model &back) {
    EXPECT_EQ(back.metrics_names(), model.metrics_names());
  });

  model.compile({.optimizer = "sgd",
                 .loss = {"sparse_categorical_crossentropy", "mse"},
                 .metrics = Metrics::per_output({{"accuracy"}, {"mae", "mse"}})});
  EXPECT_EQ(model.metrics_names(),
            (std::vector<std::string>{"loss", "main_loss", "aux_loss", "main_accuracy",
                                      "aux_mae", "aux_mse"}));
  r = model.evaluate({d.x}, {d.y, yAux});
  EXPECT_NEAR(r[3], rm[1], 1e-9);
  EXPECT_NEAR(r[4], ra[1], 1e-6);
  EXPECT_NEAR(r[5], ra[2], 1e-6);
  History hist = model.fit({d.x}, {d.y, yAux}, {.epochs = 1, .verbose = 0});
  EXPECT_TRUE(hist.history.contains("aux_mse"));
  EXPECT_FALSE(hist.history.contains("main_mae"));
  expectSavedAndReloaded(model, "metrics-lists", [&](Model &back) {
    EXPECT_EQ(back.metrics_names(), model.metrics_names());
  });

  std::string msg = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = "mse",
                   .metrics = {{"main", {"mae"}}, {"side", {"mae"}}}});
  });
  EXPECT_NE(msg.find("the metrics map names output 'side'"), std::string::npos) << msg;
  msg = errorOf([&] {
    model.compile({.optimizer = "sgd", .loss = "mse",
                   .metrics = Metrics::per_output({{"mae"}})});
  });
  EXPECT_NE(msg.find("the per-output metrics list has 1 entry"), std::string::npos) << msg;
}
