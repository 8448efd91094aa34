// Keras SimpleRNN, LSTM and GRU on kiln.scan.
//
// The emitted form is the one fast RNN libraries use: the input projection
// x · kernel (+ bias) of every time step is one dense op before the loop, on
// the time-major sequence; the loop body holds one matmul h · recurrent_kernel
// for all gates, then the gate nonlinearities and the state update, which
// fuse into one elementwise pass per step.
#include "frontend/Emitter.h"
#include "frontend/RecurrentLayers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>


namespace kiln::layers {
namespace {

enum class Cell { simple, lstm, gru };

/// What the three layers share, filled from their option structs.
struct RecurrentSpec {
  Cell cell;
  int64_t units;
  std::string activation, recurrentActivation;
  bool useBias, unitForgetBias, resetAfter, returnSequences, goBackwards;
  bool returnState = false;
  bool stateful = false;
  /// batch_input_shape's batch (stateful layers), 0 when not given.
  int64_t batchSize = 0;
  Initializer kernelInit, recurrentInit, biasInit;
  double dropout, recurrentDropout;
  /// The seed of the input dropout's mask (drawn from the global generator).
  int64_t dropoutSeed = 0, recurrentDropoutSeed = 0;

  int64_t gates() const {
    return cell == Cell::simple ? 1 : cell == Cell::lstm ? 4 : 3;
  }
};

const char *cellClassName(Cell c) {
  return c == Cell::simple ? "SimpleRNN" : c == Cell::lstm ? "LSTM" : "GRU";
}
const char *prefix(Cell c) {
  return c == Cell::simple ? "simple_rnn" : c == Cell::lstm ? "lstm" : "gru";
}

/// Keras 1/2's input_length and input_dim make the input shape when
/// input_shape is not given.
Shape declaredShape(const Shape &inputShape, int64_t inputDim,
                    int64_t inputLength) {
  if (!inputShape.empty() || inputDim <= 0)
    return inputShape;
  return {inputLength > 0 ? inputLength : -1, inputDim};
}

class RecurrentImpl : public LayerImpl {
public:
  RecurrentImpl(RecurrentSpec spec, const std::string &name, Shape inputShape)
      : LayerImpl(cellClassName(spec.cell), prefix(spec.cell), name,
                  std::move(inputShape)),
        s(std::move(spec)) {
    setBatchSize(s.batchSize);
    if (s.units <= 0)
      throwError(where(), "units must be positive, got ", s.units);
    checkActivation(s.activation, where());
    if (s.cell != Cell::simple)
      checkActivation(s.recurrentActivation, where());
    if (!(s.dropout >= 0 && s.dropout < 1))
      throwError(where(), "dropout must be in [0, 1), got ", s.dropout);
    if (!(s.recurrentDropout >= 0 && s.recurrentDropout < 1))
      throwError(where(), "recurrent_dropout must be in [0, 1), got ",
                 s.recurrentDropout);
    s.dropoutSeed = int64_t(detail::globalRng()() >> 1);
    s.recurrentDropoutSeed = int64_t(detail::globalRng()() >> 1);
  }

  /// Keras's SimpleRNN and LSTM cells drop units of h_{t-1} where it enters
  /// the recurrent product (one mask per sample and unit for every step);
  /// its GRU cell (implementation 2, Keras 3's only one) takes
  /// recurrent_dropout but never applies it, and Kiln's GRU does the same.
  size_t numStates() const { return s.cell == Cell::lstm ? 2 : 1; }

  bool dropsRecurrentUnits() const {
    return s.recurrentDropout > 0 && s.cell != Cell::gru;
  }

  /// The sequence, then optionally the initial states (Keras's
  /// initial_state: h, and c for the LSTM).
  size_t maxInputs() const override { return 1 + numStates(); }
  const char *extraInputsKeyword() const override { return "initial_state"; }

  Shape outputShape(const std::vector<Shape> &in) const override {
    const Shape &x = in.front();
    if (in.size() > 1) {
      if (in.size() != 1 + numStates())
        throwError(where(), "takes ", numStates(), " initial state",
                   numStates() == 1 ? "" : "s", ", got ", in.size() - 1);
      if (s.stateful)
        throwError(where(), "a stateful layer starts from its carried states; "
                            "it takes no initial_state");
      for (size_t k = 1; k < in.size(); ++k)
        if (in[k].size() != 2 || in[k][1] != s.units ||
            (in[k][0] >= 0 && x.size() == 3 && x[0] >= 0 && in[k][0] != x[0]))
          throwError(where(), "initial state #", k - 1, " must be (batch, ",
                     s.units, "), got ", shapeToString(in[k]));
    }
    if (x.size() != 3)
      throwError(where(), "expects an input of rank 3 (batch, time, "
                          "features), got ",
                 shapeToString(x));
    if (x.back() < 0)
      throwError(where(), "the feature dimension must be known, got ",
                 shapeToString(x));
    if (s.returnSequences)
      return {x[0], x[1], s.units};
    return {x[0], s.units};
  }

  /// With return_state, the last states follow the output.
  std::vector<Shape> outputShapes(const std::vector<Shape> &in) const override {
    std::vector<Shape> out = {outputShape(in)};
    if (s.returnState)
      out.resize(1 + numStates(), Shape{in.front()[0], s.units});
    return out;
  }

  std::vector<WeightSpec> weightSpecs(const std::vector<Shape> &in) const override {
    int64_t width = s.gates() * s.units;
    std::vector<WeightSpec> specs = {
        {"kernel", {in.front().back(), width}, s.kernelInit},
        {"recurrent_kernel", {s.units, width}, s.recurrentInit}};
    if (s.useBias) {
      Shape bias = s.cell == Cell::gru && s.resetAfter ? Shape{2, width}
                                                       : Shape{width};
      specs.push_back({"bias", bias, s.biasInit});
    }
    if (s.stateful) {
      if (batchSize() <= 0)
        throwError(where(), "stateful = true needs a fixed batch size: give "
                            "the first layer batch_input_shape (batch, time, "
                            "features), or Input(shape, name, batch_size)");
      Shape state = {batchSize(), s.units};
      specs.push_back({"h", state, "zeros", false, /*state=*/true});
      if (s.cell == Cell::lstm)
        specs.push_back({"c", state, "zeros", false, /*state=*/true});
    }
    return specs;
  }

  std::string archiveWeightsGroup() const override { return "cell"; }
  bool hasTrainingBehavior() const override {
    return s.dropout > 0 || dropsRecurrentUnits();
  }

  void finishInitialization(std::vector<Tensor> &weights) const override {
    if (s.cell != Cell::lstm || !s.useBias || !s.unitForgetBias)
      return;
    float *bias = weights[2].data<float>();
    for (int64_t i = s.units; i < 2 * s.units; ++i)
      bias[i] = 1.0f;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &w) const override {
    return emitOutputs(e, in, w).front();
  }

  std::vector<Sym> emitOutputs(Emitter &e, const std::vector<Sym> &in,
                               const std::vector<Sym> &w) const override {
    mlir::OpBuilder &b = e.b;
    mlir::Location loc = e.loc;
    b.getContext()->getOrLoadDialect<mlir::tensor::TensorDialect>();
    mlir::Value x = Emitter::value(in.front());
    // Keras's mask (Embedding's mask_zero): (batch, time, 1), 0 at padding.
    mlir::Value mask = e.maskOf(x);
    mlir::Value kernel = Emitter::value(w[0]), recurrent = Emitter::value(w[1]);
    mlir::Value inputBias, recurrentBias;
    if (s.useBias) {
      mlir::Value bias = Emitter::value(w[2]);
      if (s.cell == Cell::gru && s.resetAfter) {
        auto rows = SplitOp::create(b, loc, bias, 0, {1, 1});
        Shape flat = {s.gates() * s.units};
        inputBias = Emitter::value(e.reshape(Emitter::sym(rows.getResult(0)), flat));
        recurrentBias = Emitter::value(e.reshape(Emitter::sym(rows.getResult(1)), flat));
      } else {
        inputBias = bias;
      }
    }

    Shape xs = Emitter::shapeOf(in.front());
    llvm::SmallVector<mlir::Value> batch;
    if (xs[0] < 0) {
      mlir::Value zero = mlir::arith::ConstantIndexOp::create(b, loc, 0);
      batch.push_back(mlir::tensor::DimOp::create(b, loc, x, zero));
    }
    // A dropout mask of `shape` (scaled ones and zeros), new every step.
    auto dropoutMask = [&](Shape shape, double rate, int64_t seed) -> mlir::Value {
      mlir::Value ones = AddOp::create(
          b, loc, ZerosOp::create(b, loc, e.tensorType(shape), batch),
          e.scalar(1.0));
      return DropoutOp::create(b, loc, ones, e.step,
                               b.getF32FloatAttr(float(rate)),
                               b.getI64IntegerAttr(seed));
    };
    if (e.training && s.dropout > 0) {
      // Keras keeps one input mask per sample and feature for every step,
      // so it applies before the projection of all steps.
      mlir::Value inputMask =
          dropoutMask({xs[0], xs[2]}, s.dropout, s.dropoutSeed);
      x = MulOp::create(b, loc, x,
                        Emitter::value(e.reshape(Emitter::sym(inputMask),
                                                 {xs[0], 1, xs[2]})));
    }

    // Time-major input, projected for all steps at once.
    mlir::Value timeMajor = TransposeOp::create(
        b, loc, x, b.getDenseI64ArrayAttr({1, 0, 2}));
    mlir::Value projected = DenseOp::create(b, loc, timeMajor, kernel, inputBias);

    auto stateType = e.tensorType({xs[0], s.units});
    // A stateful layer starts from its carried states (parameters after
    // the weights), which every step rewrites with its last ones; else the
    // initial_state inputs, or zeros.
    size_t firstState = w.size() - (s.stateful ? numStates() : 0);
    llvm::SmallVector<mlir::Value> inits;
    for (size_t k = 0; k < numStates(); ++k) {
      if (s.stateful)
        inits.push_back(mlir::tensor::CastOp::create(
            b, loc, stateType, Emitter::value(w[firstState + k])));
      else if (in.size() > 1)
        inits.push_back(Emitter::value(in[1 + k]));
      else
        inits.push_back(ZerosOp::create(b, loc, stateType, batch));
    }

    llvm::SmallVector<mlir::Value> captures = {recurrent};
    if (recurrentBias)
      captures.push_back(recurrentBias);
    if (s.cell == Cell::gru && !s.resetAfter) {
      // The candidate's recurrent product reads r * h, so the kernel's
      // z and r columns and its h columns are separate products.
      auto parts = SplitOp::create(b, loc, recurrent, 1,
                                   {2 * s.units, s.units});
      captures.assign({parts.getResult(0), parts.getResult(1)});
    }

    // The recurrent dropout mask comes in last, after the kernels.
    bool recurrentMask = e.training && dropsRecurrentUnits();
    if (recurrentMask)
      captures.push_back(dropoutMask({xs[0], s.units}, s.recurrentDropout,
                                     s.recurrentDropoutSeed));

    llvm::SmallVector<mlir::Type> resultTypes(inits.size(), stateType);
    if (s.returnSequences)
      resultTypes.push_back(ScanOp::getStackedType(
          stateType, mlir::cast<mlir::ShapedType>(projected.getType()).getDimSize(0)));
    llvm::SmallVector<mlir::Value> sequences = {projected};
    if (mask)
      sequences.push_back(TransposeOp::create(b, loc, mask,
                                              b.getDenseI64ArrayAttr({1, 0, 2})));
    auto scan = ScanOp::create(b, loc, resultTypes, sequences, inits, captures,
                               s.goBackwards);
    mlir::Block *body = new mlir::Block();
    scan.getBody().push_back(body);
    for (mlir::Value v : sequences)
      body->addArgument(ScanOp::getStepType(v.getType()), loc);
    for (mlir::Value v : inits)
      body->addArgument(v.getType(), loc);
    for (mlir::Value v : captures)
      body->addArgument(v.getType(), loc);
    {
      mlir::OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(body);
      llvm::SmallVector<mlir::Value> args(body->getArguments());
      mlir::Value keep;
      if (mask) {
        keep = args[1];
        args.erase(args.begin() + 1);
      }
      llvm::SmallVector<mlir::Value> next =
          step(e, args, recurrentMask ? args.back() : mlir::Value());
      if (keep) {
        // A masked step carries every state through unchanged:
        // prev + keep * (next - prev), keep being 0 or 1 per sample.
        for (auto [k, v] : llvm::enumerate(next)) {
          mlir::Value prev = args[1 + k];
          next[k] = AddOp::create(
              b, loc, prev,
              MulOp::create(b, loc, keep, SubOp::create(b, loc, v, prev)));
        }
      }
      if (s.returnSequences)
        next.push_back(next.front());
      YieldOp::create(b, loc, next);
    }
    if (s.stateful)
      for (size_t k = 0; k < numStates(); ++k) {
        mlir::Value param = Emitter::value(w[firstState + k]);
        e.stateUpdates.push_back(
            {param, mlir::tensor::CastOp::create(b, loc, param.getType(),
                                                 scan.getResult(k))});
      }

    // The last states (the carried ones through masked steps), as
    // return_state returns them after the output.
    std::vector<Sym> outs(1);
    if (s.returnState)
      for (size_t k = 0; k < numStates(); ++k)
        outs.push_back(Emitter::sym(scan.getResult(k)));
    if (!s.returnSequences) {
      outs.front() = Emitter::sym(scan.getResult(0));
      return outs;
    }
    // The reverse scan stacks each state at its input step; Keras returns
    // them in the order it processed them.
    mlir::Value sequence = scan.getResults().back();
    if (s.goBackwards)
      sequence = ReverseOp::create(b, loc, sequence, b.getI64IntegerAttr(0));
    mlir::Value out = TransposeOp::create(b, loc, sequence,
                                          b.getDenseI64ArrayAttr({1, 0, 2}));
    // Keras passes the mask on with the sequence, as it is (even when
    // go_backwards reversed the sequence).
    if (mask)
      e.masks.push_back({out, mask});
    outs.front() = Emitter::sym(out);
    return outs;
  }

  void getConfig(saving::LayerConfig &c) const override {
    c.set("units", s.units);
    c.set("activation", s.activation);
    if (s.cell != Cell::simple)
      c.set("recurrent_activation", s.recurrentActivation);
    c.set("use_bias", s.useBias);
    c.setInitializer("kernel_initializer", s.kernelInit);
    c.setInitializer("recurrent_initializer", s.recurrentInit);
    c.setInitializer("bias_initializer", s.biasInit);
    if (s.cell == Cell::lstm)
      c.set("unit_forget_bias", s.unitForgetBias);
    for (const char *k : {"kernel_regularizer", "recurrent_regularizer",
                          "bias_regularizer", "activity_regularizer",
                          "kernel_constraint", "recurrent_constraint",
                          "bias_constraint"})
      c.set(k, nullptr);
    c.set("dropout", s.dropout);
    c.set("recurrent_dropout", s.recurrentDropout);
    c.set("return_sequences", s.returnSequences);
    c.set("return_state", s.returnState);
    c.set("go_backwards", s.goBackwards);
    c.set("stateful", s.stateful);
    c.set("unroll", false);
    if (s.cell == Cell::gru)
      c.set("reset_after", s.resetAfter);
  }

private:
  /// One time step: the next carried states from the step's projected
  /// input, the carried states and the captures (block arguments).
  /// `dropped`, when set, scales h_{t-1} where it enters the recurrent
  /// product (recurrent_dropout in training).
  llvm::SmallVector<mlir::Value> step(Emitter &e, llvm::ArrayRef<mlir::Value> args,
                                      mlir::Value dropped) const {
    mlir::OpBuilder &b = e.b;
    mlir::Location loc = e.loc;
    auto act = [&](const std::string &name, mlir::Value v) {
      return Emitter::value(e.activation(name, Emitter::sym(v)));
    };
    auto add = [&](mlir::Value l, mlir::Value r) -> mlir::Value {
      return AddOp::create(b, loc, l, r);
    };
    auto mul = [&](mlir::Value l, mlir::Value r) -> mlir::Value {
      return MulOp::create(b, loc, l, r);
    };
    auto matmul = [&](mlir::Value l, mlir::Value r) -> mlir::Value {
      return MatmulOp::create(b, loc, l, r);
    };
    auto split = [&](mlir::Value v, int parts) {
      llvm::SmallVector<int64_t> sizes(parts, s.units);
      return SplitOp::create(b, loc, v, 1, sizes).getResults();
    };
    mlir::Value xt = args[0], h = args[1];
    mlir::Value hr = dropped ? mul(h, dropped) : h;
    const std::string &ra = s.recurrentActivation;

    if (s.cell == Cell::simple)
      return {act(s.activation, add(xt, matmul(hr, args[2])))};

    if (s.cell == Cell::lstm) {
      mlir::Value c = args[2];
      auto z = split(add(xt, matmul(hr, args[3])), 4);
      mlir::Value i = act(ra, z[0]), f = act(ra, z[1]);
      mlir::Value g = act(s.activation, z[2]), o = act(ra, z[3]);
      mlir::Value cNext = add(mul(f, c), mul(i, g));
      return {mul(o, act(s.activation, cNext)), cNext};
    }

    // GRU: h' = z * h + (1 - z) * hh = hh + z * (h - hh).
    auto xp = split(xt, 3);
    mlir::Value z, hh;
    if (s.resetAfter) {
      mlir::Value m = matmul(h, args[2]);
      if (args.size() > 3)
        m = add(m, args[3]);
      auto rp = split(m, 3);
      z = act(ra, add(xp[0], rp[0]));
      mlir::Value r = act(ra, add(xp[1], rp[1]));
      hh = act(s.activation, add(xp[2], mul(r, rp[2])));
    } else {
      auto rp = split(matmul(h, args[2]), 2);
      z = act(ra, add(xp[0], rp[0]));
      mlir::Value r = act(ra, add(xp[1], rp[1]));
      hh = act(s.activation, add(xp[2], matmul(mul(r, h), args[3])));
    }
    mlir::Value diff = SubOp::create(b, loc, h, hh);
    return {add(hh, mul(z, diff))};
  }

  RecurrentSpec s;
};

/// Fields every recurrent config has, read with Keras 1/2/3 spellings.
RecurrentSpec specFromConfig(saving::LayerConfig &c, Cell cell) {
  RecurrentSpec s;
  s.cell = cell;
  s.units = c.has("units") ? c.integer("units") : c.integer("output_dim");
  s.activation = c.activation("activation", "tanh");
  s.recurrentActivation =
      c.activation("recurrent_activation",
                   c.activation("inner_activation", "sigmoid"));
  s.useBias = c.boolean("use_bias", true);
  s.kernelInit = c.initializer("kernel_initializer",
                               c.initializer("init", Initializer("glorot_uniform")));
  s.recurrentInit = c.initializer(
      "recurrent_initializer", c.initializer("inner_init", Initializer("orthogonal")));
  s.biasInit = c.initializer("bias_initializer", Initializer("zeros"));
  s.unitForgetBias = c.boolean("unit_forget_bias", true);
  s.resetAfter = c.boolean("reset_after", false);
  s.returnSequences = c.boolean("return_sequences", false);
  s.goBackwards = c.boolean("go_backwards", false);
  s.dropout = c.number("dropout", c.number("dropout_W", 0.0));
  s.recurrentDropout = c.number("recurrent_dropout", c.number("dropout_U", 0.0));
  s.returnState = c.boolean("return_state", false);
  s.stateful = c.boolean("stateful", false);
  // Keras 1/2 put the first layer's batch_input_shape in its config.
  if (c.json.contains("batch_input_shape")) {
    const saving::Json &bs = c.json["batch_input_shape"];
    if (bs.is_array() && !bs.empty() && bs[0].is_number_integer())
      s.batchSize = std::max<int64_t>(bs[0].get<int64_t>(), 0);
  }
  if (c.boolean("time_major", false))
    c.fail("'time_major' = true is not supported");
  for (const char *k : {"kernel_regularizer", "recurrent_regularizer",
                        "bias_regularizer", "activity_regularizer",
                        "kernel_constraint", "recurrent_constraint",
                        "bias_constraint"})
    c.warnIfSet(k);
  return s;
}

Shape configInputShape(saving::LayerConfig &c) {
  if (!c.has("input_dim"))
    return {};
  return declaredShape({}, c.integer("input_dim"), c.integer("input_length", -1));
}

template <typename Options>
RecurrentSpec commonSpec(Cell cell, int64_t units, const Options &o) {
  RecurrentSpec s;
  s.cell = cell;
  s.units = units;
  s.activation = o.activation;
  s.recurrentActivation = "sigmoid";
  s.useBias = o.use_bias;
  s.unitForgetBias = false;
  s.resetAfter = false;
  s.kernelInit = o.kernel_initializer;
  s.recurrentInit = o.recurrent_initializer;
  s.biasInit = o.bias_initializer;
  s.dropout = o.dropout;
  s.recurrentDropout = o.recurrent_dropout;
  s.returnSequences = o.return_sequences;
  s.returnState = o.return_state;
  s.goBackwards = o.go_backwards;
  s.stateful = o.stateful;
  if (!o.batch_input_shape.empty())
    s.batchSize = o.batch_input_shape[0];
  return s;
}

RecurrentSpec specFromOptions(int64_t units, const SimpleRNNOptions &o) {
  return commonSpec(Cell::simple, units, o);
}
RecurrentSpec specFromOptions(int64_t units, const LSTMOptions &o) {
  RecurrentSpec s = commonSpec(Cell::lstm, units, o);
  s.recurrentActivation = o.recurrent_activation;
  s.unitForgetBias = o.unit_forget_bias;
  return s;
}
RecurrentSpec specFromOptions(int64_t units, const GRUOptions &o) {
  RecurrentSpec s = commonSpec(Cell::gru, units, o);
  s.recurrentActivation = o.recurrent_activation;
  s.resetAfter = o.reset_after;
  return s;
}

template <typename Options>
std::shared_ptr<LayerImpl> recurrentLayer(int64_t units, const Options &o) {
  Shape input = declaredShape(o.input_shape, o.input_dim, o.input_length);
  if (!o.batch_input_shape.empty()) {
    if (o.batch_input_shape.size() != 3 || o.batch_input_shape[0] <= 0)
      throwError(cellClassName(specFromOptions(units, o).cell),
                 ": batch_input_shape must be (batch, time, features) with a "
                 "positive batch, got ",
                 shapeToString(o.batch_input_shape));
    if (input.empty())
      input = Shape(o.batch_input_shape.begin() + 1, o.batch_input_shape.end());
  }
  return std::make_shared<RecurrentImpl>(specFromOptions(units, o), o.name,
                                         std::move(input));
}

} // namespace

SimpleRNN::SimpleRNN(int64_t units, SimpleRNNOptions o)
    : Layer(recurrentLayer(units, o)) {}
LSTM::LSTM(int64_t units, LSTMOptions o) : Layer(recurrentLayer(units, o)) {}
GRU::GRU(int64_t units, GRUOptions o) : Layer(recurrentLayer(units, o)) {}

Layer simpleRnnFromConfig(saving::LayerConfig &c) {
  return Layer(std::make_shared<RecurrentImpl>(specFromConfig(c, Cell::simple),
                                               c.name(), configInputShape(c)));
}

Layer lstmFromConfig(saving::LayerConfig &c) {
  return Layer(std::make_shared<RecurrentImpl>(specFromConfig(c, Cell::lstm),
                                               c.name(), configInputShape(c)));
}

/// Keras 1 and 2.0-2.2 GRUs have no reset_after (false); tf.keras 2.x and
/// Keras 3 write it (true by default).
Layer gruFromConfig(saving::LayerConfig &c) {
  return Layer(std::make_shared<RecurrentImpl>(specFromConfig(c, Cell::gru),
                                               c.name(), configInputShape(c)));
}

} // namespace kiln::layers
