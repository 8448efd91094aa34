// Keras's metric objects (Precision, Recall, AUC, the confusion counts,
// SensitivityAtSpecificity, SpecificityAtSensitivity, the top-k
// accuracies): values on fixed data against Keras's documented examples and
// a counting loop written here, the epoch's counts summed across uneven
// batches (evaluate and fit), names, files and errors. The models predict
// their input (an identity Dense), so y_pred is the data the test gives.
#include "FrontendTestUtil.h"

#include <array>
#include <map>

namespace kiln::test {
namespace {

/// A model whose prediction is its input: Dense(n) with an identity kernel
/// and no bias, compiled with `metrics` and SGD at learning rate 0 (fit
/// leaves it unchanged).
Sequential identityModel(int64_t n, Metrics metrics, std::string loss = "mse") {
  Sequential m;
  m.add(layers::Dense(n, {.use_bias = false, .input_shape = {n}}));
  std::vector<float> eye(static_cast<size_t>(n * n), 0.f);
  for (int64_t i = 0; i < n; ++i)
    eye[static_cast<size_t>(i * n + i)] = 1.f;
  m.set_weights({f32(eye, {n, n})});
  m.compile({.optimizer = optimizers::SGD{.learning_rate = 0.0},
             .loss = loss,
             .metrics = std::move(metrics)});
  return m;
}

Tensor column(std::vector<float> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return f32(std::move(v), {n, 1});
}

/// tp, fp, tn, fn at `threshold` (p > threshold is positive, y != 0 a
/// positive label), counted over every element.
std::array<double, 4> counts(const std::vector<float> &y,
                             const std::vector<float> &p, double threshold) {
  std::array<double, 4> c{0, 0, 0, 0};
  for (size_t i = 0; i < y.size(); ++i) {
    bool label = y[i] != 0.f, positive = p[i] > threshold;
    c[label ? (positive ? 0 : 3) : (positive ? 1 : 2)] += 1;
  }
  return c;
}

/// The exact area under the ROC curve: the probability that a positive
/// scores above a negative (ties count half).
double exactRocAuc(const std::vector<float> &y, const std::vector<float> &p) {
  double above = 0, pairs = 0;
  for (size_t i = 0; i < y.size(); ++i)
    for (size_t j = 0; j < y.size(); ++j)
      if (y[i] != 0.f && y[j] == 0.f) {
        pairs += 1;
        above += p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
      }
  return above / pairs;
}

/// evaluate()'s figures by name.
std::map<std::string, double> logsOf(Model &m, const Tensor &x, const Tensor &y,
                                     int64_t batch) {
  std::vector<double> r = m.evaluate(x, y, {.batch_size = batch, .verbose = 0});
  std::vector<std::string> names = m.metrics_names();
  EXPECT_EQ(r.size(), names.size());
  std::map<std::string, double> out;
  for (size_t k = 0; k < r.size() && k < names.size(); ++k)
    out[names[k]] = r[k];
  return out;
}

double valueOf(Model &m, const Tensor &x, const Tensor &y,
               const std::string &name, int64_t batch = 32) {
  return logsOf(m, x, y, batch).at(name);
}

// Tests Keras's documented examples: Precision and Recall on
// ([0, 1, 1, 1], [1, 0, 1, 1]) are 2/3, AUC(num_thresholds = 3) on
// ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) is 0.75, and on
// ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]) SensitivityAtSpecificity(0.5)
// is 0.5 and SpecificityAtSensitivity(0.5) 2/3.
TEST(FrontendMetrics, KerasDocumentedValues) {
  Sequential pr = identityModel(1, {metrics::Precision(), metrics::Recall()});
  Tensor y = column({0, 1, 1, 1}), p = column({1, 0, 1, 1});
  EXPECT_NEAR(valueOf(pr, p, y, "precision"), 2.0 / 3.0, 1e-7);
  EXPECT_NEAR(valueOf(pr, p, y, "recall"), 2.0 / 3.0, 1e-7);

  Sequential auc = identityModel(1, {metrics::AUC({.num_thresholds = 3})});
  EXPECT_NEAR(valueOf(auc, column({0, 0.5f, 0.3f, 0.9f}), column({0, 0, 1, 1}), "auc"),
              0.75, 1e-7);

  Sequential at = identityModel(1, {metrics::SensitivityAtSpecificity(0.5),
                                    metrics::SpecificityAtSensitivity(0.5)});
  Tensor py = column({0, 0, 0, 1, 1}), pp = column({0, 0.3f, 0.8f, 0.3f, 0.8f});
  EXPECT_NEAR(valueOf(at, pp, py, "sensitivity_at_specificity"), 0.5, 1e-7);
  EXPECT_NEAR(valueOf(at, pp, py, "specificity_at_sensitivity"), 2.0 / 3.0, 1e-7);
}

// Tests the epoch's figures over 23 samples in uneven batches (evaluate
// with batch 5: 5, 5, 5, 5, 3; fit with batch 7: 7, 7, 7, 2) against the
// counting loop and the exact ROC area; every batch size gives the same
// figures, as summed counts must (a mean of batch ratios would not).
TEST(FrontendMetrics, EpochCountsAcrossUnevenBatches) {
  std::vector<float> y, p;
  for (int i = 0; i < 23; ++i) {
    // Scores in distinct threshold buckets, labels mostly but not always
    // on the right side of 0.5.
    p.push_back(float((i * 37) % 23) / 23.f + 0.01f);
    y.push_back((p.back() > 0.5f) != (i % 5 == 0) ? 1.f : 0.f);
  }
  Sequential m = identityModel(
      1, {metrics::Precision(), metrics::Recall(), metrics::AUC(),
          metrics::TruePositives(), metrics::FalsePositives(),
          metrics::TrueNegatives(), metrics::FalseNegatives(),
          metrics::Precision({.thresholds = {0.3}, .name = "precision_at_0.3"}),
          "binary_accuracy"});
  EXPECT_EQ(m.metrics_names(),
            (std::vector<std::string>{"loss", "precision", "recall", "auc",
                                      "true_positives", "false_positives",
                                      "true_negatives", "false_negatives",
                                      "precision_at_0.3", "binary_accuracy"}));
  std::array<double, 4> c = counts(y, p, 0.5), c3 = counts(y, p, 0.3);
  Tensor x = column(p), t = column(y);
  for (int64_t batch : {5, 23}) {
    SCOPED_TRACE(batch);
    std::map<std::string, double> logs = logsOf(m, x, t, batch);
    EXPECT_NEAR(logs.at("precision"), c[0] / (c[0] + c[1]), 1e-7);
    EXPECT_NEAR(logs.at("recall"), c[0] / (c[0] + c[3]), 1e-7);
    EXPECT_NEAR(logs.at("true_positives"), c[0], 0);
    EXPECT_NEAR(logs.at("false_positives"), c[1], 0);
    EXPECT_NEAR(logs.at("true_negatives"), c[2], 0);
    EXPECT_NEAR(logs.at("false_negatives"), c[3], 0);
    EXPECT_NEAR(logs.at("precision_at_0.3"), c3[0] / (c3[0] + c3[1]), 1e-7);
    EXPECT_NEAR(logs.at("binary_accuracy"), (c[0] + c[2]) / 23.0, 1e-6);
    EXPECT_NEAR(logs.at("auc"), exactRocAuc(y, p), 1e-6);
  }
  History h = m.fit(x, t, {.epochs = 2, .batch_size = 7, .verbose = 0});
  for (int epoch = 0; epoch < 2; ++epoch) {
    EXPECT_NEAR(h.history.at("precision")[epoch], c[0] / (c[0] + c[1]), 1e-7);
    EXPECT_NEAR(h.history.at("true_negatives")[epoch], c[2], 0);
    EXPECT_NEAR(h.history.at("auc")[epoch], exactRocAuc(y, p), 1e-6);
  }
  // Validation figures are the validation rows' own epoch counts.
  h = m.fit(x, t, {.batch_size = 4, .verbose = 0, .validation_data = ValidationData(x, t)});
  EXPECT_NEAR(h.history.at("val_recall")[0], c[0] / (c[0] + c[3]), 1e-7);
}

// Tests the ROC and PR areas against the exact figures on scores that fill
// distinct threshold buckets: the trapezoids of the ROC curve give the
// exact area, the PR summation methods bracket the interpolated one, and
// from_logits applies the sigmoid first.
TEST(FrontendMetrics, AucCurvesAndSummation) {
  std::vector<float> y, p, logits;
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    p.push_back((float(i) + 0.5f) / 40.f);
    y.push_back(std::bernoulli_distribution(0.2 + 0.6 * p.back())(rng) ? 1.f : 0.f);
    logits.push_back(std::log(p.back() / (1 - p.back())));
  }
  Sequential m = identityModel(
      1, {metrics::AUC(), metrics::AUC({.curve = "PR"}),
          metrics::AUC({.curve = "PR", .summation_method = "minoring"}),
          metrics::AUC({.curve = "PR", .summation_method = "majoring"})});
  EXPECT_EQ(m.metrics_names(),
            (std::vector<std::string>{"loss", "auc", "auc_1", "auc_2", "auc_3"}));
  std::map<std::string, double> logs = logsOf(m, column(p), column(y), 6);
  EXPECT_NEAR(logs.at("auc"), exactRocAuc(y, p), 1e-6);
  // Average precision by its definition: the precision at each positive,
  // positives ranked by score.
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  double tp = 0, ap = 0, positives = std::count(y.begin(), y.end(), 1.f);
  for (size_t k = 0; k < order.size(); ++k)
    if (y[order[k]] != 0.f) {
      tp += 1;
      ap += tp / double(k + 1) / positives;
    }
  EXPECT_NEAR(logs.at("auc_1"), ap, 0.03);
  EXPECT_LE(logs.at("auc_2"), logs.at("auc_1") + 1e-6);
  EXPECT_GE(logs.at("auc_3"), logs.at("auc_1") - 1e-6);

  Sequential fromLogits = identityModel(1, {metrics::AUC({.from_logits = true})});
  EXPECT_NEAR(valueOf(fromLogits, column(logits), column(y), "auc"),
              logs.at("auc"), 1e-6);
}

// Tests class_id, top_k and the top-k accuracies on four classes against
// the counting loop on the chosen column or the top-k filtered scores.
TEST(FrontendMetrics, ClassIdAndTopK) {
  std::vector<float> y = {1, 0, 0, 0,  0, 1, 0, 0,  0, 0, 1, 0,  0, 0, 0, 1,
                          0, 1, 0, 0,  1, 0, 0, 0};
  // Row 3 ties at the top, row 5 everywhere.
  std::vector<float> p = {0.6f, 0.2f, 0.1f, 0.1f,  0.3f, 0.6f, 0.05f, 0.05f,
                          0.05f, 0.55f, 0.35f, 0.05f,  0.3f, 0.2f, 0.2f, 0.3f,
                          0.05f, 0.15f, 0.7f, 0.1f,  0.25f, 0.25f, 0.25f, 0.25f};
  std::vector<int32_t> labels = {0, 1, 2, 3, 1, 0};
  Tensor x = f32(p, {6, 4}), t = f32(y, {6, 4});
  Sequential m = identityModel(
      4, {metrics::Precision({.class_id = 1}), metrics::Recall({.class_id = 0}),
          metrics::Precision({.top_k = 1}), metrics::Recall({.top_k = 2}),
          metrics::TopKCategoricalAccuracy(1), metrics::TopKCategoricalAccuracy(2),
          "top_k_categorical_accuracy"});
  EXPECT_EQ(m.metrics_names(),
            (std::vector<std::string>{"loss", "precision", "recall", "precision_1",
                                      "recall_1", "top_k_categorical_accuracy",
                                      "top_k_categorical_accuracy_1",
                                      "top_k_categorical_accuracy_2"}));
  std::map<std::string, double> logs = logsOf(m, x, t, 4);
  auto columnOf = [](const std::vector<float> &v, int c) {
    std::vector<float> out;
    for (size_t i = static_cast<size_t>(c); i < v.size(); i += 4)
      out.push_back(v[i]);
    return out;
  };
  std::array<double, 4> c1 = counts(columnOf(y, 1), columnOf(p, 1), 0.5);
  std::array<double, 4> c0 = counts(columnOf(y, 0), columnOf(p, 0), 0.5);
  EXPECT_NEAR(logs.at("precision"), c1[0] / (c1[0] + c1[1]), 1e-7);
  EXPECT_NEAR(logs.at("recall"), c0[0] / (c0[0] + c0[3]), 1e-7);
  EXPECT_EQ(c1[0] * c1[1] * c0[0] * c0[3], 1.0); // no 0/0 or 0/x figure
  // top_k keeps the k highest of each row (ties: the lower index) and
  // counts every kept score as positive.
  auto topK = [&](int k) {
    std::vector<float> kept(p.size(), 0.f);
    for (size_t r = 0; r < 6; ++r) {
      std::vector<size_t> idx = {0, 1, 2, 3};
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        return p[r * 4 + a] > p[r * 4 + b];
      });
      for (int j = 0; j < k; ++j)
        kept[r * 4 + idx[static_cast<size_t>(j)]] = 1.f;
    }
    return counts(y, kept, 0.5);
  };
  std::array<double, 4> k1 = topK(1), k2 = topK(2);
  EXPECT_NEAR(logs.at("precision_1"), k1[0] / (k1[0] + k1[1]), 1e-7);
  EXPECT_NEAR(logs.at("recall_1"), k2[0] / (k2[0] + k2[3]), 1e-7);
  // Top-k accuracy: fewer than k classes strictly above the target.
  auto topKAccuracy = [&](int k) {
    double hits = 0;
    for (size_t r = 0; r < 6; ++r) {
      int above = 0;
      for (size_t j = 0; j < 4; ++j)
        above += p[r * 4 + j] > p[r * 4 + static_cast<size_t>(labels[r])];
      hits += above < k;
    }
    return hits / 6;
  };
  EXPECT_NEAR(logs.at("top_k_categorical_accuracy"), topKAccuracy(1), 1e-6);
  EXPECT_NEAR(logs.at("top_k_categorical_accuracy_1"), topKAccuracy(2), 1e-6);
  EXPECT_NEAR(logs.at("top_k_categorical_accuracy_2"), topKAccuracy(5), 1e-6);
  EXPECT_LT(topKAccuracy(1), topKAccuracy(2));

  Sequential sparse = identityModel(
      4, {metrics::SparseTopKCategoricalAccuracy(2), "sparse_top_k_categorical_accuracy"},
      "sparse_categorical_crossentropy");
  Tensor l = Tensor::fromVector(labels, {6});
  std::map<std::string, double> sl = logsOf(sparse, x, l, 4);
  EXPECT_NEAR(sl.at("sparse_top_k_categorical_accuracy"), topKAccuracy(2), 1e-6);
  EXPECT_NEAR(sl.at("sparse_top_k_categorical_accuracy_1"), topKAccuracy(5), 1e-6);
}

// Tests that metric objects survive both file schemas with their settings
// (the reloaded model reports the same names and figures) and that Keras's
// strings name them.
TEST(FrontendMetrics, SavedAndReloaded) {
  Sequential m = identityModel(
      2, {"AUC", metrics::AUC({.num_thresholds = 50, .curve = "PR", .name = "pr"}),
          metrics::Precision({.thresholds = {0.3}, .class_id = 1}), "recall",
          metrics::SensitivityAtSpecificity(0.8, {.num_thresholds = 20}),
          metrics::TopKCategoricalAccuracy(1), metrics::TrueNegatives({.thresholds = {0.7}}),
          metrics::MeanSquaredError()});
  EXPECT_EQ(m.metrics_names(),
            (std::vector<std::string>{"loss", "auc", "pr", "precision", "recall",
                                      "sensitivity_at_specificity",
                                      "top_k_categorical_accuracy", "true_negatives",
                                      "mean_squared_error"}));
  std::mt19937 rng(3);
  Tensor x = uniform(rng, {17, 2}, 0.f, 1.f);
  std::vector<float> yv;
  for (float v : values(x))
    yv.push_back(v > 0.4f ? 1.f : 0.f);
  Tensor y = f32(yv, {17, 2});
  std::vector<double> r = m.evaluate(x, y, {.batch_size = 5});
  expectSavedAndReloaded(m, "metric-objects", [&](Model &back) {
    EXPECT_EQ(back.metrics_names(), m.metrics_names());
    std::vector<double> b = back.evaluate(x, y, {.batch_size = 5});
    ASSERT_EQ(b.size(), r.size());
    for (size_t k = 0; k < r.size(); ++k)
      EXPECT_NEAR(b[k], r[k], 1e-9) << m.metrics_names()[k];
  });
}

// Tests the errors: settings Keras refuses, what Kiln cannot report, and
// metrics that do not fit the output or the labels.
TEST(FrontendMetrics, Errors) {
  std::string msg = errorOf([] { metrics::Precision({.thresholds = {0.2, 0.8}}); });
  EXPECT_NE(msg.find("Precision: 2 thresholds given"), std::string::npos) << msg;
  msg = errorOf([] { metrics::Recall({.thresholds = {1.5}}); });
  EXPECT_NE(msg.find("Recall: threshold 1.5 is not in [0, 1]"), std::string::npos) << msg;
  msg = errorOf([] { metrics::AUC({.curve = "ROCK"}); });
  EXPECT_NE(msg.find("AUC: curve 'ROCK' is not one of ROC, PR"), std::string::npos) << msg;
  msg = errorOf([] { metrics::AUC({.multi_label = true}); });
  EXPECT_NE(msg.find("multi_label = true is not supported"), std::string::npos) << msg;
  msg = errorOf([] { metrics::SensitivityAtSpecificity(1.2); });
  EXPECT_NE(msg.find("specificity = 1.2 must be in [0, 1]"), std::string::npos) << msg;
  msg = errorOf([] { identityModel(3, {metrics::Precision({.class_id = 3})}); });
  EXPECT_NE(msg.find("class_id 3 is out of range for an output of 3 classes"),
            std::string::npos) << msg;
  msg = errorOf([] {
    identityModel(3, {metrics::AUC()}, "sparse_categorical_crossentropy");
  });
  EXPECT_NE(msg.find("metric 'auc' (AUC) needs one-hot or 0/1 targets"),
            std::string::npos) << msg;
  msg = errorOf([] { identityModel(3, {metrics::SparseTopKCategoricalAccuracy()}); });
  EXPECT_NE(msg.find("needs integer labels"), std::string::npos) << msg;
  msg = errorOf([] { identityModel(3, {"Precisoin"}); });
  EXPECT_NE(msg.find("unknown metric 'Precisoin'"), std::string::npos) << msg;
}

} // namespace
} // namespace kiln::test
