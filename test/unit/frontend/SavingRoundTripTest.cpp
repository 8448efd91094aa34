// Kiln models through every format Kiln writes (.keras, .h5, .weights.h5,
// weights .h5, JSON) and back: same predictions, same compile config, same
// optimizer state, so training continues with the loss curve of an
// uninterrupted run; the files have Keras's layouts; saves are atomic.
#include "FrontendTestUtil.h"

#include "frontend/ModelImpl.h"
#include "frontend/saving/AtomicFile.h"
#include "frontend/saving/H5.h"
#include "frontend/saving/Json.h"
#include "frontend/saving/Zip.h"

#include <filesystem>
#include <fstream>

using namespace kiln;
using namespace kiln::test;
namespace fs = std::filesystem;

namespace {

/// A fresh folder per test, removed afterwards.
struct TempDir {
  fs::path dir;
  TempDir() {
    dir = fs::temp_directory_path() /
          ("kiln-saving-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string &name) const { return (dir / name).string(); }
};

std::string bytesOf(const std::string &path) {
  return saving::readFile(path, uint64_t(1) << 32);
}

Sequential mlp(const Optimizer &optimizer = "adam") {
  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(32, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = optimizer, .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

/// Fashion-MNIST's first `n` training images (pixels / 255), or seeded
/// random images and labels where the dataset is not installed.
std::pair<Tensor, Tensor> images(int64_t n, Shape sample) {
  Shape shape{n};
  shape.insert(shape.end(), sample.begin(), sample.end());
  try {
    auto [train, test] = datasets::fashion_mnist::load_data();
    Tensor x = (train.x.slice(0, n).astype(DType::f32) / 255.0).reshape(shape);
    return {x, train.y.slice(0, n)};
  } catch (const Error &) {
    std::mt19937 rng(5);
    std::vector<int32_t> y(static_cast<size_t>(n));
    for (auto &v : y)
      v = int32_t(rng() % 10);
    return {uniform(rng, shape, 0.f, 1.f), Tensor::fromVector(y, {n})};
  }
}

void expectSameState(Model &a, Model &b) {
  EXPECT_TRUE(weightsEqual(a.get_weights(), b.get_weights()));
  ASSERT_TRUE(a.impl().state && b.impl().state);
  EXPECT_EQ(a.impl().state->iterations(), b.impl().state->iterations());
  EXPECT_TRUE(weightsEqual(a.impl().state->get_optimizer_slots(),
                           b.impl().state->get_optimizer_slots()));
  EXPECT_EQ(a.metrics_names(), b.metrics_names());
  // Keras files hold hyper-parameters as float32 values, which is what the
  // compiled step uses.
  const Optimizer &oa = a.impl().compileOptions->optimizer,
                  &ob = b.impl().compileOptions->optimizer;
  EXPECT_EQ(ob.name(), oa.name());
  for (auto get : {&Optimizer::learning_rate, &Optimizer::momentum, &Optimizer::rho,
                   &Optimizer::beta_1, &Optimizer::beta_2, &Optimizer::epsilon})
    EXPECT_EQ(float((ob.*get)()), float((oa.*get)()));
  EXPECT_EQ(b.impl().compileOptions->loss, a.impl().compileOptions->loss);
}

/// Trains N + M epochs in one run and N, save, load, M, and compares the
/// loss curves and the final weights.
void expectTrainingContinues(const std::function<Sequential()> &make, Shape sample,
                             const std::string &file) {
  auto [x, y] = images(256, sample);
  utils::set_random_seed(3);
  Sequential whole = make();
  utils::set_random_seed(3);
  Sequential first = make();
  FitOptions fit{.epochs = 4, .batch_size = 32, .verbose = 0, .shuffle = false};
  History all = whole.fit(x, y, fit);
  fit.epochs = 2;
  History before = first.fit(x, y, fit);
  first.save(file);
  Model second = load_model(file);
  expectSameState(first, second);
  EXPECT_EQ(values(first.predict(x)), values(second.predict(x)));
  fit.epochs = 4;
  fit.initial_epoch = 2;
  History after = second.fit(x, y, fit);
  std::vector<double> curve = before.history["loss"];
  for (double l : after.history["loss"])
    curve.push_back(l);
  ASSERT_EQ(curve.size(), all.history["loss"].size());
  double worst = 0;
  for (size_t i = 0; i < curve.size(); ++i)
    worst = std::max(worst, std::abs(curve[i] - all.history["loss"][i]));
  std::cout << "[ continue ] " << fs::path(file).filename() << ": loss curve max abs diff "
            << worst << " (epoch 4 loss " << curve.back() << ")\n";
  EXPECT_LE(worst, 1e-6);
  expectWeightsNear(second.get_weights(), whole.get_weights(), 1e-5f);
}

} // namespace

// Tests the Fashion-MNIST MLP example's model, and a small MLP with each
// optimizer, through .keras and .h5: weights, compile config, optimizer
// slots and iterations, then 2 + 2 epochs = 4 epochs.
TEST(FrontendSavingRoundTrip, MlpContinuesTrainingFromKerasAndH5) {
  TempDir tmp;
  expectTrainingContinues([] { return exampleMlp(); }, {28, 28}, tmp / "example_mlp.keras");
  expectTrainingContinues([] { return exampleMlp(); }, {28, 28}, tmp / "example_mlp.h5");
  expectTrainingContinues(
      [] { return mlp(optimizers::SGD{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}); },
      {28, 28}, tmp / "mlp_momentum.h5");
  expectTrainingContinues([] { return mlp("rmsprop"); }, {28, 28}, tmp / "mlp_rms.keras");
  expectTrainingContinues([] { return mlp("adagrad"); }, {28, 28}, tmp / "mlp_ada.h5");
}

// Tests that a learning rate changed after compile (as a callback does) is
// the one saved and loaded back, in both formats.
TEST(FrontendSavingRoundTrip, CurrentLearningRateIsSaved) {
  TempDir tmp;
  for (const char *file : {"lr.keras", "lr.h5"}) {
    SCOPED_TRACE(file);
    Sequential model = mlp(optimizers::Adam{.learning_rate = 0.01});
    model.set_learning_rate(0.0025);
    model.save(tmp / file);
    Model loaded = load_model(tmp / file);
    EXPECT_FLOAT_EQ(float(loaded.learning_rate()), 0.0025f);
  }
}

// Tests the Fashion-MNIST CNN example's model (Conv2D, MaxPooling2D, Adam)
// the same way.
TEST(FrontendSavingRoundTrip, CnnContinuesTrainingFromKerasAndH5) {
  TempDir tmp;
  expectTrainingContinues([] { return exampleCnn(); }, {28, 28, 1}, tmp / "cnn.keras");
  expectTrainingContinues([] { return exampleCnn(); }, {28, 28, 1}, tmp / "cnn.h5");
}

// Tests a Functional model with two inputs, a shared layer, Add and
// Concatenate through .keras, .h5 and JSON: same predictions.
TEST(FrontendSavingRoundTrip, FunctionalModelWithSharedLayer) {
  TempDir tmp;
  KerasTensor a = Input({6}, "left"), b = Input({6}, "right");
  layers::Dense shared(6, {.activation = "tanh"});
  KerasTensor s = layers::Add()({shared(a), shared(b)});
  KerasTensor c = layers::Concatenate()({s, layers::ReLU()(b)});
  KerasTensor out = layers::Dense(3, {.activation = "softmax"})(c);
  // The model's inputs are listed right before left: input_layers order.
  Model model({b, a}, {out}, "two_inputs");
  std::mt19937 rng(7);
  randomizeWeights(model, rng);
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  for (const std::string &f : {tmp / "f.keras", tmp / "f.h5"}) {
    model.save(f);
    Model back = load_model(f);
    EXPECT_TRUE(weightsEqual(model.get_weights(), back.get_weights())) << f;
    EXPECT_EQ(summaryOf(model), summaryOf(back)) << f;
  }
  Model fromJson = model_from_json(model.to_json());
  saving::Json original = saving::Json::parse(model.to_json());
  original.erase("compile_config"); // model_from_json does not compile
  EXPECT_EQ(saving::Json::parse(fromJson.to_json()), original);
  EXPECT_EQ(summaryOf(fromJson), summaryOf(model));
}

// Tests a model with an input that no output uses (Keras accepts it): its
// config names both inputs and reads back the same, in JSON and both files.
// (The config fuzzer found to_json throwing std::out_of_range on it.)
TEST(FrontendSavingRoundTrip, InputThatNoOutputUses) {
  TempDir tmp;
  KerasTensor a = Input({4}, "unused"), b = Input({4}, "used");
  KerasTensor out = layers::Dense(2, {.activation = "softmax"})(b);
  Model model({a, b}, {out}, "one_input_unused");
  saving::Json config = saving::Json::parse(model.to_json());
  EXPECT_EQ(config["config"]["input_layers"].dump(),
            R"([["unused",0,0],["used",0,0]])");
  Model fromJson = model_from_json(model.to_json());
  EXPECT_EQ(fromJson.to_json(), model.to_json());
  EXPECT_EQ(summaryOf(fromJson), summaryOf(model));
  model.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  for (const std::string &f : {tmp / "f.keras", tmp / "f.h5"}) {
    model.save(f);
    Model back = load_model(f);
    EXPECT_TRUE(weightsEqual(model.get_weights(), back.get_weights())) << f;
    EXPECT_EQ(summaryOf(back), summaryOf(model)) << f;
  }
}

// Tests save_weights / load_weights in both layouts into a fresh model.
TEST(FrontendSavingRoundTrip, WeightsFilesIntoFreshModel) {
  TempDir tmp;
  Sequential model = mlp();
  std::mt19937 rng(1);
  randomizeWeights(model, rng);
  for (const std::string &f : {tmp / "w.weights.h5", tmp / "w.h5"}) {
    model.save_weights(f);
    Sequential fresh = mlp();
    fresh.load_weights(f);
    EXPECT_TRUE(weightsEqual(model.get_weights(), fresh.get_weights())) << f;
  }
  Sequential fromArchive = mlp();
  model.save(tmp / "m.keras");
  fromArchive.load_weights(tmp / "m.keras");
  EXPECT_TRUE(weightsEqual(model.get_weights(), fromArchive.get_weights()));
  EXPECT_NE(errorOf([&] { model.save_weights(tmp / "w.bin"); }).find("w.bin"),
            std::string::npos);
}

// Tests the `.keras` layout field by field against Keras 3's saving_lib:
// entries, their order and STORED method, config.json and the weights file.
TEST(FrontendSavingRoundTrip, KerasArchiveLayout) {
  TempDir tmp;
  Sequential model = mlp();
  model.save(tmp / "m.keras");
  std::string bytes = bytesOf(tmp / "m.keras");
  saving::ZipReader zip = saving::ZipReader::fromBytes("m.keras", bytes);
  EXPECT_EQ(zip.names(), (std::vector<std::string>{"metadata.json", "config.json",
                                                   "model.weights.h5"}));
  EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04"));
  EXPECT_EQ(bytes[8], 0); // the first local header's method: STORED
  saving::Json meta = saving::Json::parse(zip.read("metadata.json", 1 << 20));
  EXPECT_EQ(meta["keras_version"], "3.4.1");
  std::string configText = zip.read("config.json", 1 << 20);
  EXPECT_EQ(configText.rfind("{\"module\": \"keras\", \"class_name\": \"Sequential\", "
                             "\"config\": {\"name\": ",
                             0),
            0u)
      << configText.substr(0, 200);
  saving::Json config = saving::Json::parse(configText);
  const saving::Json &ls = config["config"]["layers"];
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_EQ(ls[0]["class_name"], "InputLayer");
  EXPECT_EQ(ls[0]["config"]["batch_shape"], saving::Json::parse("[null, 28, 28]"));
  EXPECT_EQ(ls[2]["module"], "keras.layers");
  EXPECT_EQ(ls[2]["config"]["units"], 32);
  EXPECT_EQ(ls[2]["config"]["kernel_initializer"]["class_name"], "GlorotUniform");
  EXPECT_EQ(ls[2]["build_config"]["input_shape"], saving::Json::parse("[null, 784]"));
  EXPECT_EQ(config["compile_config"]["optimizer"]["class_name"], "Adam");
  EXPECT_EQ(config["compile_config"]["loss"], "sparse_categorical_crossentropy");
  saving::H5File h5 = saving::H5File::openImage("w", zip.read("model.weights.h5", 1 << 24));
  saving::H5Group root = h5.root();
  EXPECT_TRUE(root.hasGroup("vars"));
  EXPECT_EQ(root.group("vars").children().size(), 0u);
  EXPECT_EQ(root.group("layers").children(),
            (std::vector<std::string>{"dense", "dense_1", "flatten"}));
  EXPECT_EQ(root.datasetShape("layers/dense/vars/0"), (Shape{784, 32}));
  EXPECT_EQ(root.datasetShape("layers/dense_1/vars/1"), (Shape{10}));
  EXPECT_EQ(root.group("layers/flatten/vars").children().size(), 0u);
  // iteration, learning_rate, then (m, v) per variable: 2 + 2 * 4.
  EXPECT_EQ(root.group("optimizer/vars").children().size(), 10u);
  EXPECT_EQ(root.datasetShape("optimizer/vars/0"), Shape{});
  EXPECT_EQ(root.datasetShape("optimizer/vars/2"), (Shape{784, 32}));
  EXPECT_EQ(root.datasetShape("optimizer/vars/3"), (Shape{784, 32}));
  EXPECT_EQ(root.datasetShape("optimizer/vars/4"), (Shape{32}));
}

// Tests the legacy `.h5` layout against Keras 2's save_model_to_hdf5.
TEST(FrontendSavingRoundTrip, LegacyHdf5Layout) {
  TempDir tmp;
  Sequential model = mlp();
  model.save(tmp / "m.h5");
  saving::H5File h5 = saving::H5File::open(tmp / "m.h5");
  saving::H5Group root = h5.root();
  EXPECT_EQ(root.stringAttr("backend"), "tensorflow");
  EXPECT_EQ(root.stringAttr("keras_version").substr(0, 2), "2.");
  saving::Json config = saving::Json::parse(root.stringAttr("model_config"));
  EXPECT_EQ(config["class_name"], "Sequential");
  EXPECT_EQ(config["config"]["layers"][0]["config"]["batch_input_shape"],
            saving::Json::parse("[null, 28, 28]"));
  EXPECT_EQ(config["config"]["layers"][1]["config"]["dtype"], "float32");
  saving::Json training = saving::Json::parse(root.stringAttr("training_config"));
  EXPECT_EQ(training["optimizer_config"]["class_name"], "Adam");
  saving::H5Group weights = root.group("model_weights");
  std::vector<std::string> names = weights.stringsAttr("layer_names");
  EXPECT_EQ(names.size(), 3u);
  std::string dense = names[1];
  EXPECT_EQ(weights.group(dense).stringsAttr("weight_names"),
            (std::vector<std::string>{dense + "/kernel:0", dense + "/bias:0"}));
  EXPECT_EQ(weights.datasetShape(dense + "/" + dense + "/kernel:0"), (Shape{784, 32}));
  EXPECT_TRUE(weights.group(names[0]).stringsAttr("weight_names").empty());
  std::vector<std::string> opt = root.group("optimizer_weights").stringsAttr("weight_names");
  ASSERT_EQ(opt.size(), 9u);
  EXPECT_EQ(opt[0], "iteration:0");
  EXPECT_EQ(opt[1], "Adam/m/" + dense + "/kernel:0");
  EXPECT_EQ(opt[2], "Adam/v/" + dense + "/kernel:0");
}

// Tests that a failed write leaves the previous file byte for byte and no
// temporary file behind, for every kind of save.
TEST(FrontendSavingRoundTrip, FailedSaveLeavesOldFile) {
  TempDir tmp;
  Sequential model = mlp();
  for (const std::string &f :
       {tmp / "m.keras", tmp / "m.h5", tmp / "w.weights.h5", tmp / "w.h5"}) {
    bool weightsOnly = f.find("/w.") != std::string::npos;
    weightsOnly ? model.save_weights(f) : model.save(f);
    std::string before = bytesOf(f);
    std::mt19937 rng(2);
    randomizeWeights(model, rng);
    saving::testing::failWritesAfter(1000);
    std::string msg =
        errorOf([&] { weightsOnly ? model.save_weights(f) : model.save(f); });
    saving::testing::failWritesAfter(-1);
    EXPECT_NE(msg.find(f), std::string::npos) << msg;
    EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
    EXPECT_EQ(bytesOf(f), before) << f;
    size_t entries = 0;
    for (const auto &e : fs::directory_iterator(tmp.dir))
      entries += e.path().string().find(".tmp-") != std::string::npos;
    EXPECT_EQ(entries, 0u) << "a temporary file was left in " << tmp.dir;
  }
}

// Tests to_json: Keras 3's schema, read back by model_from_json.
TEST(FrontendSavingRoundTrip, ToJsonAndBack) {
  Sequential model = mlp();
  std::string json = model.to_json();
  saving::Json config = saving::Json::parse(json);
  EXPECT_EQ(config["class_name"], "Sequential");
  Model back = model_from_json(json);
  EXPECT_EQ(summaryOf(back), summaryOf(model));
  back.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy",
                .metrics = {"accuracy"}});
  EXPECT_EQ(back.to_json(), json);
}
