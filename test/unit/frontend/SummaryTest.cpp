// model.summary() and automatic layer names, against what tf.keras 2 prints
// (seed 001 shows the table for its Fashion-MNIST MLP).
#include "FrontendTestUtil.h"

using namespace kiln;
using namespace kiln::test;

namespace {

// Seed 001 (lines 81-96), byte for byte: the header and every row are padded
// to the column ends 29, 55 and 65, so they end in spaces.
const char *const kSeed001Summary =
    "Model: \"sequential\"\n"
    "_________________________________________________________________\n"
    "Layer (type)                 Output Shape              Param #   \n"
    "=================================================================\n"
    "flatten (Flatten)            (None, 784)               0         \n"
    "_________________________________________________________________\n"
    "dense (Dense)                (None, 300)               235500    \n"
    "_________________________________________________________________\n"
    "dense_1 (Dense)              (None, 100)               30100     \n"
    "_________________________________________________________________\n"
    "dense_2 (Dense)              (None, 10)                1010      \n"
    "=================================================================\n"
    "Total params: 266,610\n"
    "Trainable params: 266,610\n"
    "Non-trainable params: 0\n"
    "_________________________________________________________________\n";

Sequential seed001Mlp() {
  Sequential model;
  model.add(layers::Flatten({.input_shape = {28, 28}}));
  model.add(layers::Dense(300, {.activation = "relu"}));
  model.add(layers::Dense(100, {.activation = "relu"}));
  model.add(layers::Dense(10, {.activation = "softmax"}));
  return model;
}

} // namespace

// Tests the content of seed 001's table (names, shapes, counts, totals,
// rules of 65 characters), column alignment aside: each line splits into
// the same fields as the seed's.
TEST(FrontendSummary, Seed001MlpTableHasKerasRowsAndTotals) {
  backend::clear_session();
  Sequential model = seed001Mlp();
  std::vector<std::string> actual = lines(summaryOf(model));
  std::vector<std::string> expected = lines(kSeed001Summary);
  ASSERT_EQ(actual.size(), expected.size()) << summaryOf(model);
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(rowFields(actual[i]), rowFields(expected[i])) << "line " << i;
  for (size_t i : {1, 3, 5, 11, 15})
    EXPECT_EQ(actual[i], expected[i]) << "rule on line " << i;
}

// Tests that the tables match Keras's print_row byte for byte: every later
// field starts one column after the previous one's end (line[:-1] + ' '),
// e.g. seed 001's table, a functional chain and the wide skip-connection table.
TEST(FrontendSummary, TablesAreByteForByteKeras) {
  backend::clear_session();
  Sequential model = seed001Mlp();
  EXPECT_EQ(summaryOf(model), kSeed001Summary);

  KerasTensor x = Input({784}, "input_1");
  KerasTensor h = layers::Dense(32, {.activation = "relu"})(x);
  KerasTensor y = layers::Dense(10, {.activation = "softmax"})(h);
  Model functional(x, y, "model");
  EXPECT_EQ(summaryOf(functional),
            "Model: \"model\"\n"
            "_________________________________________________________________\n"
            "Layer (type)                 Output Shape              Param #   \n"
            "=================================================================\n"
            "input_1 (InputLayer)         [(None, 784)]             0         \n"
            "_________________________________________________________________\n"
            "dense_3 (Dense)              (None, 32)                25120     \n"
            "_________________________________________________________________\n"
            "dense_4 (Dense)              (None, 10)                330       \n"
            "=================================================================\n"
            "Total params: 25,450\n"
            "Trainable params: 25,450\n"
            "Non-trainable params: 0\n"
            "_________________________________________________________________\n");

  KerasTensor in = Input({8}, "input_2");
  KerasTensor s = layers::Add()({in, layers::Dense(8)(in)});
  Model skip(in, layers::Dense(2)(s), "skip");
  auto pad = [](std::string f, size_t to) { return f + std::string(to - f.size(), ' '); };
  EXPECT_EQ(lines(summaryOf(skip)).at(2),
            pad("Layer (type)", 32) + pad("Output Shape", 53 - 32) +
                pad("Param #", 65 - 53) + pad("Connected to", 98 - 65));
  // A first field longer than its column shows 28 characters and a space.
  Sequential pool;
  pool.add(layers::MaxPooling2D({2, 2}, {.input_shape = {4, 4, 1},
                                         .name = "max_pooling2d_10"}));
  EXPECT_EQ(lines(summaryOf(pool)).at(4),
            pad("max_pooling2d_10 (MaxPooling", 29) +
                pad("(None, 2, 2, 1)", 55 - 29) + pad("0", 65 - 55));
}

// Tests that compiling and training do not change the table.
TEST(FrontendSummary, TableIsTheSameAfterCompileAndFit) {
  backend::clear_session();
  Sequential model = seed001Mlp();
  std::string before = summaryOf(model);
  model.compile({.optimizer = "sgd",
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  std::mt19937 rng(7);
  Tensor x = uniform(rng, {4, 28, 28}, 0, 1);
  Tensor y = Tensor::fromVector<int32_t>({0, 3, 9, 1}, {4});
  model.fit(x, y, {.epochs = 1, .verbose = 0});
  EXPECT_EQ(summaryOf(model), before);
  EXPECT_NE(before.find("Total params: 266,610\n"), std::string::npos) << before;
}

// Tests Keras's per-prefix name counters: dense, dense_1, ...; an explicit
// name takes no number; clear_session() starts every counter again.
TEST(FrontendSummary, LayerNamesCountPerPrefixAndClearSessionResets) {
  backend::clear_session();
  EXPECT_EQ(layers::Dense(1).name(), "dense");
  EXPECT_EQ(layers::Dense(1).name(), "dense_1");
  EXPECT_EQ(layers::Dense(1, {.name = "head"}).name(), "head");
  EXPECT_EQ(layers::Dense(1).name(), "dense_2");
  EXPECT_EQ(layers::Flatten().name(), "flatten");
  EXPECT_EQ(layers::Conv2D(2, 3).name(), "conv2d");
  EXPECT_EQ(layers::Conv2D(2, 3).name(), "conv2d_1");
  EXPECT_EQ(layers::MaxPooling2D().name(), "max_pooling2d");
  EXPECT_EQ(layers::Add().name(), "add");
  EXPECT_EQ(layers::Concatenate().name(), "concatenate");
  EXPECT_EQ(layers::Activation("relu").name(), "activation");
  EXPECT_EQ(layers::Dense(1).class_name(), "Dense");
  EXPECT_EQ(layers::MaxPooling2D().class_name(), "MaxPooling2D");
  EXPECT_EQ(Sequential().name(), "sequential");
  EXPECT_EQ(Sequential().name(), "sequential_1");
  EXPECT_EQ(Sequential("mine").name(), "mine");

  backend::clear_session();
  EXPECT_EQ(layers::Dense(1).name(), "dense");
  EXPECT_EQ(layers::Conv2D(2, 3).name(), "conv2d");
  EXPECT_EQ(Sequential().name(), "sequential");

  // The seed's table after other layers were made: the counters go on, as
  // in a Keras process without clear_session().
  Sequential again = seed001Mlp();
  std::string table = summaryOf(again);
  EXPECT_NE(table.find("dense_1 (Dense)"), std::string::npos) << table;
  EXPECT_NE(table.find("dense_3 (Dense)"), std::string::npos) << table;
  EXPECT_NE(table.find("flatten (Flatten)"), std::string::npos) << table;
  EXPECT_NE(table.find("Model: \"sequential_1\""), std::string::npos) << table;
}

// Tests a functional chain: tf.keras 2 prints the InputLayer row with the
// shape in a list, "[(None, 784)]", in the same 65-column table.
TEST(FrontendSummary, FunctionalChainShowsTheInputLayerRow) {
  backend::clear_session();
  KerasTensor x = Input({784}, "input_1");
  KerasTensor h = layers::Dense(32, {.activation = "relu"})(x);
  KerasTensor y = layers::Dense(10, {.activation = "softmax"})(h);
  Model model(x, y);
  std::string text = summaryOf(model);
  std::vector<std::string> ls = lines(text);
  ASSERT_EQ(ls.size(), 14u) << text;
  EXPECT_EQ(ls[0], "Model: \"model\"");
  EXPECT_EQ(ls[1], std::string(65, '_'));
  EXPECT_EQ(rowFields(ls[2]),
            (std::vector<std::string>{"Layer (type)", "Output Shape", "Param #"}));
  EXPECT_EQ(rowFields(ls[4]),
            (std::vector<std::string>{"input_1 (InputLayer)", "[(None, 784)]", "0"}));
  EXPECT_EQ(rowFields(ls[6]),
            (std::vector<std::string>{"dense (Dense)", "(None, 32)", "25120"}));
  EXPECT_EQ(rowFields(ls[8]),
            (std::vector<std::string>{"dense_1 (Dense)", "(None, 10)", "330"}));
  EXPECT_EQ(ls[9], std::string(65, '='));
  EXPECT_EQ(ls[10], "Total params: 25,450");
  EXPECT_EQ(ls[11], "Trainable params: 25,450");
  EXPECT_EQ(ls[12], "Non-trainable params: 0");
  // Model::layers() lists the InputLayer first, as Keras's model.layers.
  std::vector<Layer> layerList = model.layers();
  ASSERT_EQ(layerList.size(), 3u);
  EXPECT_EQ(layerList[0].class_name(), "InputLayer");
  EXPECT_EQ(layerList[1].name(), "dense");
  EXPECT_EQ(layerList[1].count_params(), 784 * 32 + 32);
}

// Tests that unnamed Inputs are named input_1, input_2, ... as tf.keras 2 does.
TEST(FrontendSummary, UnnamedInputsAreInput1Input2AsInTfKeras2) {
  backend::clear_session();
  KerasTensor a = Input({4});
  KerasTensor b = Input({4});
  EXPECT_EQ(a.node()->layer->name(), "input_1");
  EXPECT_EQ(b.node()->layer->name(), "input_2");
}

// Tests a non-chain (skip connection) model: the wide table with the
// "Connected to" column at Keras's positions (32, 53, 65, 98 of 98).
TEST(FrontendSummary, SkipConnectionUsesTheConnectedToTable) {
  backend::clear_session();
  KerasTensor x = Input({8}, "input_1");
  KerasTensor h = layers::Dense(8, {.activation = "relu"})(x);
  KerasTensor s = layers::Add()({x, h});
  KerasTensor y = layers::Dense(2, {.activation = "softmax"})(s);
  Model model(x, y, "skip");
  std::string text = summaryOf(model);
  std::vector<std::string> ls = lines(text);
  ASSERT_GE(ls.size(), 4u) << text;
  EXPECT_EQ(ls[0], "Model: \"skip\"");
  EXPECT_EQ(ls[1], std::string(98, '_'));
  EXPECT_EQ(rowFields(ls[2]), (std::vector<std::string>{"Layer (type)", "Output Shape",
                                                        "Param #", "Connected to"}));
  EXPECT_EQ(ls[3], std::string(98, '='));
  EXPECT_EQ(rowFields(ls[4]),
            (std::vector<std::string>{"input_1 (InputLayer)", "[(None, 8)]", "0"}));
  EXPECT_EQ(summaryRow(text, "dense"),
            (std::vector<std::string>{"dense (Dense)", "(None, 8)", "72",
                                      "input_1[0][0]"}));
  std::vector<std::string> add = summaryRow(text, "add");
  ASSERT_GE(add.size(), 4u) << text;
  EXPECT_EQ(add[0], "add (Add)");
  EXPECT_EQ(add[1], "(None, 8)");
  EXPECT_EQ(add[2], "0");
  EXPECT_EQ(add[3].rfind("input_1[0][0]", 0), 0u) << text;
  EXPECT_NE(text.find("dense[0][0]"), std::string::npos) << text;
  EXPECT_EQ(summaryRow(text, "dense_1"),
            (std::vector<std::string>{"dense_1 (Dense)", "(None, 2)", "18",
                                      "add[0][0]"}));
  EXPECT_NE(text.find("\nTotal params: 90\n"), std::string::npos) << text;
  for (const std::string &l : ls) {
    if (!l.empty() && (l[0] == '_' || l[0] == '=')) {
      EXPECT_EQ(l.size(), 98u) << l;
    }
  }
}

// Tests a shared layer as tf.keras 2 prints it: one row for the layer (its
// weights counted once), one connection per inbound tensor ("dense[1][0]"
// is the second call's output), each after the first on a row of its own;
// a layer whose calls give different shapes shows "multiple".
TEST(FrontendSummary, SharedLayerPrintsOnceWithEveryConnection) {
  backend::clear_session();
  KerasTensor x = Input({4}, "input_1");
  layers::Dense shared(4);
  KerasTensor h1 = shared(x);
  KerasTensor h2 = shared(h1);
  Model model(x, layers::Add()({h1, h2}), "shared");
  const std::string rule(98, '_');
  EXPECT_EQ(summaryOf(model),
            "Model: \"shared\"\n" + rule + "\n"
            "Layer (type)                    Output Shape         Param #     Connected to                     \n" +
            std::string(98, '=') + "\n"
            "input_1 (InputLayer)            [(None, 4)]          0                                            \n" +
            rule + "\n"
            "dense (Dense)                   (None, 4)            20          input_1[0][0]                    \n"
            "                                                                 dense[0][0]                      \n" +
            rule + "\n"
            "add (Add)                       (None, 4)            0           dense[0][0]                      \n"
            "                                                                 dense[1][0]                      \n" +
            std::string(98, '=') + "\n"
            "Total params: 20\n"
            "Trainable params: 20\n"
            "Non-trainable params: 0\n" +
            rule + "\n");

  KerasTensor in = Input({4}, "input_2");
  layers::Activation relu("relu");
  KerasTensor wide = layers::Dense(8)(in);
  Model both(in, layers::Concatenate()({relu(in), relu(wide)}), "both");
  std::vector<std::string> row = summaryRow(summaryOf(both), "activation");
  ASSERT_GE(row.size(), 4u);
  EXPECT_EQ(row[1], "multiple");
}

// Tests a Conv2D / MaxPooling2D stack: NHWC output shapes and Keras's
// parameter counts (Conv2D(32, 3) on 28x28x1 has 3*3*1*32 + 32 = 320).
TEST(FrontendSummary, ConvolutionShapesAndParamCounts) {
  backend::clear_session();
  Sequential model;
  model.add(layers::Conv2D(32, 3, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model.add(layers::MaxPooling2D({2, 2}));
  model.add(layers::Conv2D(64, {3, 3}, {.activation = "relu"}));
  model.add(layers::Conv2D(8, {5, 5}, {.strides = {2, 2}, .padding = "same"}));
  model.add(layers::MaxPooling2D({2, 2}, {.padding = "same"}));
  model.add(layers::Flatten());
  model.add(layers::Dense(10, {.activation = "softmax"}));
  std::string text = summaryOf(model);
  using Row = std::vector<std::string>;
  EXPECT_EQ(summaryRow(text, "conv2d"), (Row{"conv2d (Conv2D)", "(None, 26, 26, 32)", "320"}));
  EXPECT_EQ(summaryRow(text, "max_pooling2d"),
            (Row{"max_pooling2d (MaxPooling2D)", "(None, 13, 13, 32)", "0"}));
  EXPECT_EQ(summaryRow(text, "conv2d_1"),
            (Row{"conv2d_1 (Conv2D)", "(None, 11, 11, 64)", "18496"}));
  // 'same' with stride 2: ceil(11 / 2) = 6; 5*5*64*8 + 8 = 12808.
  EXPECT_EQ(summaryRow(text, "conv2d_2"),
            (Row{"conv2d_2 (Conv2D)", "(None, 6, 6, 8)", "12808"}));
  // Keras cuts this 30-character name to its 29-column field.
  Row pool = summaryRow(text, "max_pooling2d_1");
  ASSERT_EQ(pool.size(), 3u) << text;
  EXPECT_EQ(pool[0].rfind("max_pooling2d_1 (MaxPooling2", 0), 0u) << pool[0];
  EXPECT_EQ(pool[1], "(None, 3, 3, 8)");
  EXPECT_EQ(pool[2], "0");
  EXPECT_EQ(summaryRow(text, "flatten"), (Row{"flatten (Flatten)", "(None, 72)", "0"}));
  EXPECT_EQ(summaryRow(text, "dense"), (Row{"dense (Dense)", "(None, 10)", "730"}));
  EXPECT_NE(text.find("\nTotal params: 32,354\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nTrainable params: 32,354\n"), std::string::npos) << text;

  // Keras's weight shapes: kernel (kh, kw, cin, cout), bias (cout).
  std::vector<Tensor> w = model.get_weights();
  ASSERT_EQ(w.size(), 8u);
  EXPECT_EQ(w[0].shape(), (Shape{3, 3, 1, 32}));
  EXPECT_EQ(w[1].shape(), (Shape{32}));
  EXPECT_EQ(w[2].shape(), (Shape{3, 3, 32, 64}));
  EXPECT_EQ(w[6].shape(), (Shape{72, 10}));
}

// Tests that a Sequential model without an input shape cannot be summarized
// until data has built it, and can afterwards.
TEST(FrontendSummary, UnbuiltSequentialNeedsDataFirst) {
  backend::clear_session();
  Sequential model;
  model.add(layers::Dense(3, {.activation = "relu"}));
  model.add(layers::Dense(1));
  std::string message = errorOf([&] { model.summary(); });
  EXPECT_NE(message.find("has not yet been built"), std::string::npos) << message;
  model.compile({.optimizer = "sgd", .loss = "mse"});
  model.fit(f32({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4}), f32({1, 0}, {2, 1}),
            {.epochs = 1, .verbose = 0});
  std::string text = summaryOf(model);
  EXPECT_EQ(summaryRow(text, "dense"),
            (std::vector<std::string>{"dense (Dense)", "(None, 3)", "15"}));
  EXPECT_EQ(summaryRow(text, "dense_1"),
            (std::vector<std::string>{"dense_1 (Dense)", "(None, 1)", "4"}));
}
