// Tests for Keras's progress output (Progbar, fit/evaluate/predict verbose
// 0/1/2) with a fake clock, and for the Python-compatible number formats.
#include "runtime/train/Train.h"

#include "../TestUtil.h"
#include "FakeModels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <regex>
#include <sstream>

using kiln::Tensor;
using kiln::test::recorder;
using kiln::test::zeroParams;
using namespace kiln::train;

namespace {

Logs logsOf(std::initializer_list<std::pair<const char *, double>> items) {
  Logs logs;
  for (const auto &[k, v] : items)
    logs.set(k, v);
  return logs;
}

struct FakeTime {
  double now = 0;
  Console console(std::ostream &out, bool dynamic) {
    Console c;
    c.out = &out;
    c.err = &out;
    c.dynamic = dynamic;
    c.clock = [this] { return now; };
    return c;
  }
};

std::string bar(int done, bool head) {
  std::string s(static_cast<size_t>(done), '=');
  if (head && done > 0)
    s.back() = '>';
  return "[" + s + std::string(static_cast<size_t>(30 - done), '.') + "]";
}

TEST(RuntimeTrainProgbar, Verbose1WithoutATerminalPrintsOnlyTheFinalLine) {
  std::ostringstream out;
  FakeTime t;
  Progbar p(10, 1, t.console(out, /*dynamic=*/false));
  for (int step = 1; step <= 10; ++step) {
    t.now = 0.2 * step;
    p.update(step, logsOf({{"loss", 0.41234}, {"acc", 0.857142}}), false);
  }
  EXPECT_EQ(out.str(), "");
  p.update(10, logsOf({{"loss", 0.41234}, {"acc", 0.857142}}), true);
  EXPECT_EQ(out.str(), "10/10 " + bar(30, false) +
                           " - 2s 200ms/step - loss: 0.4123 - acc: 0.8571\n");
}

TEST(RuntimeTrainProgbar, Verbose1OnATerminalRedrawsWithCarriageReturns) {
  std::ostringstream out;
  FakeTime t;
  Progbar p(3, 1, t.console(out, /*dynamic=*/true));
  t.now = 0.1;
  p.update(1, logsOf({{"loss", 1234.5678}}));
  EXPECT_EQ(out.str(), "\r1/3 " + bar(10, true) + " - ETA: 0s - loss: 1234.5678");
  out.str("");
  t.now = 0.2;
  p.update(2, logsOf({{"loss", 0.5}}));
  // Shorter than the previous draw by 3 characters: padded with spaces.
  EXPECT_EQ(out.str(),
            "\r2/3 " + bar(20, true) + " - ETA: 0s - loss: 0.5000   ");
  out.str("");
  t.now = 0.3;
  p.update(3, logsOf({{"loss", 0.25}}), false);
  EXPECT_EQ(out.str(), "\r3/3 " + bar(30, false) + " - ETA: 0s - loss: 0.2500");
  out.str("");
  p.update(3, logsOf({{"loss", 0.25}}), true);
  EXPECT_EQ(out.str(),
            "\r3/3 " + bar(30, false) + " - 0s 100ms/step - loss: 0.2500\n");
}

TEST(RuntimeTrainProgbar, RedrawsAreThrottledButTheFinalStateAlwaysDraws) {
  std::ostringstream out;
  FakeTime t;
  Progbar p(100, 1, t.console(out, true));
  for (int step = 1; step <= 100; ++step) {
    t.now = step / 64.0; // 4 steps = 62.5 ms, more than the 50 ms interval
    p.update(step, Logs(), false);
  }
  p.update(100, Logs(), true);
  std::string s = out.str();
  // Steps 1, 5, 9, ..., 97, then the final state.
  EXPECT_EQ(std::count(s.begin(), s.end(), '\r'), 26);
  EXPECT_NE(s.find("\r  5/100 ["), std::string::npos) << s;
  EXPECT_EQ(s.find("\r  2/100 ["), std::string::npos) << s;
  EXPECT_EQ(s.substr(s.rfind('\r')),
            "\r100/100 " + bar(30, false) + " - 2s 16ms/step\n");
}

TEST(RuntimeTrainProgbar, EtaUsesKerasFormats) {
  std::ostringstream out;
  FakeTime t;
  Progbar p(10000, 1, t.console(out, true));
  t.now = 1.0;
  p.update(1, Logs()); // 1 s per step: 9999 s left
  EXPECT_NE(out.str().find("- ETA: 2:46:39"), std::string::npos) << out.str();
  out.str("");
  t.now = 1.0 + 9359 / 128.0;
  p.update(9360, Logs()); // 640 steps of 1/128 s left: 5 s
  EXPECT_NE(out.str().find("- ETA: 5s"), std::string::npos) << out.str();
  out.str("");
  Progbar q(200, 1, t.console(out, true));
  t.now += 1;
  q.update(1, Logs()); // 199 s left
  EXPECT_NE(out.str().find("- ETA: 3:19"), std::string::npos) << out.str();
}

TEST(RuntimeTrainProgbar, Verbose2PrintsOneLinePerEpoch) {
  std::ostringstream out;
  FakeTime t;
  Progbar p(1719, 2, t.console(out, true));
  for (int step = 1; step <= 1719; ++step)
    p.update(step, logsOf({{"loss", 9.0}}), false);
  EXPECT_EQ(out.str(), "");
  t.now = 2.0;
  p.update(1719, logsOf({{"loss", 0.41234},
                         {"accuracy", 0.85714},
                         {"val_loss", 0.399},
                         {"val_accuracy", 0.86}}),
           true);
  EXPECT_EQ(out.str(),
            "1719/1719 - 2s - loss: 0.4123 - accuracy: 0.8571 - val_loss: "
            "0.3990 - val_accuracy: 0.8600 - 2s/epoch - 1ms/step\n");
}

TEST(RuntimeTrainProgbar, Verbose0IsSilent) {
  std::ostringstream out;
  FakeTime t;
  Progbar p(5, 0, t.console(out, true));
  for (int step = 1; step <= 5; ++step)
    p.update(step, logsOf({{"loss", 1}}));
  EXPECT_EQ(out.str(), "");
}

TEST(RuntimeTrainProgbar, NumbersFormatLikePython) {
  EXPECT_EQ(formatMetric(0.41234), "0.4123");
  EXPECT_EQ(formatMetric(0.0001234), "1.2340e-04");
  EXPECT_EQ(formatMetric(-0.5), "-0.5000");
  EXPECT_EQ(formatMetric(-0.5, /*compareAbsolute=*/false), "-5.0000e-01");
  EXPECT_EQ(formatMetric(std::nan("")), "nan");
  EXPECT_EQ(formatMetric(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(formatTimePerUnit(0, "step"), " 0s/step");
  EXPECT_EQ(formatTimePerUnit(2.4, "epoch"), " 2s/epoch");
  EXPECT_EQ(formatTimePerUnit(0.0123, "step"), " 12ms/step");
  EXPECT_EQ(formatTimePerUnit(0.000456, "step"), " 456us/step");

  EXPECT_EQ(pythonRepr(0.1), "0.1");
  EXPECT_EQ(pythonRepr(1.0), "1.0");
  EXPECT_EQ(pythonRepr(-2.5), "-2.5");
  EXPECT_EQ(pythonRepr(100.0), "100.0");
  EXPECT_EQ(pythonRepr(0.0001), "0.0001");
  EXPECT_EQ(pythonRepr(1e-5), "1e-05");
  EXPECT_EQ(pythonRepr(1.5e16), "1.5e+16");
  EXPECT_EQ(pythonRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(pythonRepr(123456.789), "123456.789");
  EXPECT_EQ(pythonRepr(static_cast<double>(0.1f)), "0.10000000149011612");
  EXPECT_EQ(pythonRepr(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(pythonRepr(0.0), "0.0");
  EXPECT_EQ(pythonRepr(std::nan("")), "nan");

  EXPECT_EQ(pythonShape({-1, 28, 28}), "(None, 28, 28)");
  EXPECT_EQ(pythonShape({3}), "(3,)");
  EXPECT_EQ(pythonShape({5}, 1), "()");
}

//===----------------------------------------------------------------------===//
// Progress through fit / evaluate / predict
//===----------------------------------------------------------------------===//

class RuntimeTrainProgress : public ::testing::Test {
protected:
  void SetUp() override {
    recorder().reset();
    recorder().secondsPerTrainStep = 0.5;
    recorder().secondsPerEvalStep = 0.25;
    std::vector<float> v(36);
    std::iota(v.begin(), v.end(), 0.0f);
    x = Tensor::fromVector(v, {36, 1});
    y = Tensor::fromVector(v, {36});
  }

  // 36 samples in batches of 32 and 4 (loss 17.5, max 31.4444 per epoch),
  // validation on samples 0..3 (val_loss 1.5, val_max 3); train steps take
  // 0.5 s and eval steps 0.25 s on the fake clock.
  std::string run(int verbose, bool tty, int epochs = 2) {
    std::ostringstream out;
    ModelState state(steps.signature, zeroParams(steps.signature));
    fit(steps, state, {x}, {y},
        {.epochs = epochs,
         .batch_size = 32,
         .verbose = verbose,
         .validation_data = ValidationData{{x.reshape({36, 1})}, {y}},
         .shuffle = false,
         .out = &out,
         .tty = tty,
         .clock = [] { return recorder().clock; }});
    return out.str();
  }

  kiln::abi::CompiledSteps steps = kiln::test::meanTarget();
  Tensor x, y;
};

TEST_F(RuntimeTrainProgress, Verbose0IsSilent) { EXPECT_EQ(run(0, true), ""); }

TEST_F(RuntimeTrainProgress, Verbose1WithoutATerminalPrintsOneLinePerEpoch) {
  // Validation over 36 samples in 2 eval steps: 0.5 s; an epoch is 1.5 s.
  std::string line = "2/2 " + bar(30, false) +
                     " - 2s 1s/step - loss: 17.5000 - max: 31.4444 - val_loss: "
                     "17.5000 - val_max: 31.4444\n";
  EXPECT_EQ(run(1, false), "Epoch 1/2\n" + line + "Epoch 2/2\n" + line);
}

TEST_F(RuntimeTrainProgress, Verbose1OnATerminalShowsTheLiveBar) {
  std::string epoch =
      "\r1/2 " + bar(15, true) + " - ETA: 0s - loss: 15.5000 - max: 31.0000" +
      "\r2/2 " + bar(30, false) + " - ETA: 0s - loss: 17.5000 - max: 31.4444" +
      "\r2/2 " + bar(30, false) +
      " - 2s 1s/step - loss: 17.5000 - max: 31.4444 - val_loss: 17.5000 - "
      "val_max: 31.4444\n";
  EXPECT_EQ(run(1, true), "Epoch 1/2\n" + epoch + "Epoch 2/2\n" + epoch);
}

TEST_F(RuntimeTrainProgress, Verbose2PrintsTimePerEpochAndPerStep) {
  std::string line = "2/2 - 2s - loss: 17.5000 - max: 31.4444 - val_loss: "
                     "17.5000 - val_max: 31.4444 - 2s/epoch - 750ms/step\n";
  EXPECT_EQ(run(2, false), "Epoch 1/2\n" + line + "Epoch 2/2\n" + line);
}

TEST_F(RuntimeTrainProgress, OneEpochPrintsNoEpochLine) {
  std::string s = run(2, false, /*epochs=*/1);
  EXPECT_EQ(s.rfind("2/2 - 2s - loss: 17.5000", 0), 0u) << s;
  EXPECT_EQ(s.find("Epoch"), std::string::npos) << s;
}

TEST_F(RuntimeTrainProgress, RealClockOutputMatchesKerasShape) {
  recorder().secondsPerTrainStep = 0;
  std::ostringstream out;
  ModelState state(steps.signature, zeroParams(steps.signature));
  fit(steps, state, {x}, {y},
      {.epochs = 3, .batch_size = 8, .verbose = 1, .out = &out, .tty = false});
  std::regex line(R"(Epoch ([123])/3\n5/5 \[={30}\] - \d+s \d+(us|ms|s)/step - )"
                  R"(loss: \d+\.\d{4} - max: \d+\.\d{4}\n)");
  std::string s = out.str();
  auto begin = std::sregex_iterator(s.begin(), s.end(), line);
  EXPECT_EQ(std::distance(begin, std::sregex_iterator()), 3) << s;
  EXPECT_EQ(s.find('\r'), std::string::npos);
}

TEST_F(RuntimeTrainProgress, EvaluateAndPredictShowABarWhenVerbose) {
  std::ostringstream out;
  ModelState state(steps.signature, zeroParams(steps.signature));
  auto clock = [] { return recorder().clock; };
  evaluate(steps, state, {x}, {y},
           {.batch_size = 32, .verbose = 1, .out = &out, .tty = false,
            .clock = clock});
  EXPECT_EQ(out.str(), "2/2 " + bar(30, false) +
                           " - 0s 250ms/step - loss: 17.5000 - max: 31.4444\n");
  out.str("");
  evaluate(steps, state, {x}, {y},
           {.batch_size = 32, .verbose = 2, .out = &out, .clock = clock});
  EXPECT_EQ(out.str(), "2/2 - 0s - loss: 17.5000 - max: 31.4444 - "
                       "500ms/epoch - 250ms/step\n");
  out.str("");
  predict(steps, state, {x}, {.batch_size = 64, .verbose = 1, .out = &out,
                              .tty = false, .clock = clock});
  EXPECT_EQ(out.str(), "1/1 " + bar(30, false) + " - 0s 0s/step\n");
  out.str("");
  evaluate(steps, state, {x}, {y}, {.verbose = 0, .out = &out});
  predict(steps, state, {x}, {.verbose = 0, .out = &out});
  EXPECT_EQ(out.str(), "");
}

} // namespace
