// compile(): the layer graph as kiln IR (@forward and @loss), then
// kiln-make-steps, the kiln-to-llvm pipeline and the JIT.
#include "frontend/Config.h"
#include "frontend/Backend.h"
#include "frontend/Device.h"
#include "frontend/Distribution.h"
#include "frontend/Emitter.h"
#include "frontend/Metrics.h"
#include "frontend/MetricsImpl.h"
#include "frontend/ModelImpl.h"
#include "frontend/OpsContext.h"

#include "compiler/JIT/Compile.h"
#include "compiler/JIT/Timing.h"
#include "compiler/Registration.h"
#include "dialects/Kiln/IR/KilnAttrs.h"
#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/GpuDevice.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

namespace kiln {
namespace {

enum class Loss { mse, mae, bce, cce, scce };

/// One output's loss: a built-in one, or a LossFunction (no `builtin`).
struct LossChoice {
  std::optional<Loss> builtin;
  const LossFunction *custom = nullptr;
};

Loss parseLoss(const std::string &name) {
  static const std::map<std::string, Loss> names = {
      {"mse", Loss::mse},
      {"mean_squared_error", Loss::mse},
      {"mae", Loss::mae},
      {"mean_absolute_error", Loss::mae},
      {"binary_crossentropy", Loss::bce},
      {"categorical_crossentropy", Loss::cce},
      {"sparse_categorical_crossentropy", Loss::scce}};
  auto it = names.find(name);
  if (it == names.end())
    throwError("unknown loss '", name,
               "'; expected one of: mse, mean_squared_error, mae, "
               "mean_absolute_error, binary_crossentropy, "
               "categorical_crossentropy, sparse_categorical_crossentropy, "
               "or a kiln::LossFunction of that name (load_model: "
               "LoadModelOptions::custom_losses, Keras's custom_objects)");
  return it->second;
}

/// Emits a metric object (metrics::Precision(), AUC(), TopK..., ...).
mlir::Value emitMetricObject(Emitter &e, const Metric &metric, std::optional<Loss> loss,
                             mlir::Value yTrue, mlir::Value yPred) {
  mlir::OpBuilder &b = e.b;
  mlir::Location loc = e.loc;
  const MetricConfig &c = *metric.config;
  const std::string &cls = c.class_name;
  bool sparse = loss == Loss::scce;
  if (cls == "SparseTopKCategoricalAccuracy") {
    if (!sparse)
      throwError("metric '", metric.name, "' (", cls, ") needs integer labels "
                 "(loss 'sparse_categorical_crossentropy'); use "
                 "TopKCategoricalAccuracy with one-hot targets");
    return SparseTopKCategoricalAccuracyOp::create(b, loc, yTrue, yPred, c.k);
  }
  if (sparse)
    throwError("metric '", metric.name, "' (", cls, ") needs one-hot or 0/1 "
               "targets shaped like the output, but the loss takes sparse "
               "integer labels",
               cls == "TopKCategoricalAccuracy"
                   ? "; use SparseTopKCategoricalAccuracy"
                   : "");
  Shape outShape = Emitter::shapeOf(Emitter::sym(yPred));
  int64_t classes = outShape.back();
  if (cls == "TopKCategoricalAccuracy")
    return TopKCategoricalAccuracyOp::create(b, loc, yTrue, yPred, c.k);
  if (cls == "MeanSquaredError")
    return MseOp::create(b, loc, yTrue, yPred);
  if (cls == "MeanAbsoluteError")
    return MaeOp::create(b, loc, yTrue, yPred);
  if (!detail::countsConfusion(c))
    throwError("metric '", metric.name, "': class '", cls,
               "' is not one Kiln has");
  if (c.class_id && *c.class_id >= classes)
    throwError("metric '", metric.name, "' (", cls, "): class_id ", *c.class_id,
               " is out of range for an output of ", classes, " classes");
  if (c.top_k && *c.top_k > classes)
    throwError("metric '", metric.name, "' (", cls, "): top_k ", *c.top_k,
               " exceeds the output's ", classes, " classes");
  mlir::Value p = yPred;
  if (c.from_logits)
    p = SigmoidOp::create(b, loc, p);
  mlir::IntegerAttr topK, classId;
  if (c.top_k)
    topK = b.getI64IntegerAttr(*c.top_k);
  if (c.class_id)
    classId = b.getI64IntegerAttr(*c.class_id);
  return ConfusionCountsOp::create(
      b, loc, yTrue, p, b.getDenseF32ArrayAttr(detail::countThresholds(c)),
      topK, classId);
}

/// Emits one metric of (y_true, y_pred): a 0-d f32 batch mean, or a
/// metric object's confusion counts.
mlir::Value emitMetric(Emitter &e, const Metric &metric, std::optional<Loss> loss,
                       mlir::Value yTrue, mlir::Value yPred) {
  mlir::OpBuilder &b = e.b;
  mlir::Location loc = e.loc;
  int64_t classes = Emitter::shapeOf(Emitter::sym(yPred)).back();
  if (metric.config)
    return emitMetricObject(e, metric, loss, yTrue, yPred);
  if (metric.fn) {
    OpsScope scope(e);
    ops::Value r = metric.fn(ops::Value(Emitter::sym(yTrue)),
                             ops::Value(Emitter::sym(yPred)));
    // Per-sample results are averaged, as Keras's MeanMetricWrapper does.
    return Emitter::value(ops::mean(r).sym);
  }
  std::string name = metric.name;
  if (name == "accuracy" || name == "acc") {
    if (loss == Loss::scce)
      name = "sparse_categorical_accuracy";
    else if (loss == Loss::bce || classes == 1)
      name = "binary_accuracy";
    else
      name = "categorical_accuracy";
  }
  bool sparse = loss == Loss::scce;
  auto needDense = [&] {
    if (sparse)
      throwError("metric '", metric.name, "' needs one-hot or real-valued "
                 "targets, but the loss takes sparse integer labels");
  };
  if (name == "sparse_categorical_accuracy") {
    if (!sparse)
      throwError("metric 'sparse_categorical_accuracy' needs integer labels "
                 "(loss 'sparse_categorical_crossentropy')");
    return SparseCategoricalAccuracyOp::create(b, loc, yTrue, yPred);
  }
  if (name == "categorical_accuracy") {
    needDense();
    return CategoricalAccuracyOp::create(b, loc, yTrue, yPred);
  }
  if (name == "binary_accuracy") {
    needDense();
    return BinaryAccuracyOp::create(b, loc, yTrue, yPred, b.getF32FloatAttr(0.5));
  }
  if (name == "mae" || name == "mean_absolute_error") {
    needDense();
    return MaeOp::create(b, loc, yTrue, yPred);
  }
  if (name == "mse" || name == "mean_squared_error") {
    needDense();
    return MseOp::create(b, loc, yTrue, yPred);
  }
  throwError("unknown metric '", metric.name,
             "'; expected one of: accuracy, acc, binary_accuracy, "
             "categorical_accuracy, sparse_categorical_accuracy, mae, "
             "mean_absolute_error, mse, mean_squared_error, a metric class "
             "(Precision, Recall, AUC, TruePositives, FalsePositives, "
             "TrueNegatives, FalseNegatives, TopKCategoricalAccuracy, "
             "SparseTopKCategoricalAccuracy, MeanSquaredError, "
             "MeanAbsoluteError, or their snake_case names), a "
             "metrics:: object or a kiln::Metric with a function");
}

mlir::Value emitLoss(Emitter &e, LossChoice choice, mlir::Value yTrue,
                     mlir::Value yPred) {
  if (!choice.builtin) {
    // Keras's default reduction: the mean over every element of what the
    // function returns (per-sample losses, or already a scalar).
    OpsScope scope(e);
    ops::Value r = choice.custom->fn(ops::Value(Emitter::sym(yTrue)),
                                     ops::Value(Emitter::sym(yPred)));
    return Emitter::value(ops::mean(r).sym);
  }
  Loss loss = *choice.builtin;
  // Keras's backend epsilon clips the cross-entropies; the ops' own
  // default is Keras's 1e-7, so the attribute appears only when it differs.
  mlir::FloatAttr eps;
  if (double v = backend::epsilon(); v != 1e-7)
    eps = e.b.getF64FloatAttr(v);
  switch (loss) {
  case Loss::mse:
    return MseOp::create(e.b, e.loc, yTrue, yPred);
  case Loss::mae:
    return MaeOp::create(e.b, e.loc, yTrue, yPred);
  case Loss::bce:
    return BinaryCrossentropyOp::create(e.b, e.loc, yTrue, yPred, false, eps);
  case Loss::cce:
    return CategoricalCrossentropyOp::create(e.b, e.loc, yTrue, yPred, false, eps);
  case Loss::scce:
    return SparseCategoricalCrossentropyOp::create(e.b, e.loc, yTrue, yPred, false,
                                                   eps);
  }
  return {};
}

/// Each output's metrics with Keras's class names ("AUC", "precision", ...)
/// made metric objects, and repeated names numbered ("auc", "auc_1") as
/// Keras names a second metric object of a class.
std::vector<std::vector<Metric>>
resolveMetricObjects(std::vector<std::vector<Metric>> lists) {
  for (std::vector<Metric> &list : lists) {
    std::map<std::string, int> seen;
    for (Metric &m : list) {
      if (!m.fn && !m.config)
        if (std::optional<Metric> object = metrics::get(m.name))
          m = std::move(*object);
      if (int n = seen[m.name]++; n > 0) {
        std::string base = m.name;
        while (seen.count(m.name = base + "_" + std::to_string(n)))
          ++n;
        seen[m.name] = 1;
      }
    }
  }
  return lists;
}

/// Emits the layer graph on `params` and `inputs`; returns the outputs.
std::vector<mlir::Value> emitGraph(Emitter &e, const Model::Impl &m,
                                   mlir::ValueRange params,
                                   mlir::ValueRange inputs) {
  // Each node's outputs, by KerasTensor::index.
  std::map<detail::Node *, std::vector<Sym>> values;
  for (size_t i = 0; i < m.inputs.size(); ++i)
    values[m.inputs[i].node().get()] = {Emitter::sym(inputs[i])};
  auto valueOf = [&](const KerasTensor &t) {
    return values.at(t.node().get()).at(t.index());
  };
  std::map<LayerImpl *, size_t> firstWeight;
  size_t k = 0;
  for (const auto &l : m.layers) {
    firstWeight[l.get()] = k;
    k += l->weights().size();
  }
  for (const auto &n : m.nodes) {
    if (values.count(n.get()))
      continue;
    std::vector<Sym> in, weights;
    for (const KerasTensor &t : n->inputs)
      in.push_back(valueOf(t));
    size_t w0 = firstWeight.at(n->layer.get());
    for (size_t i = 0; i < n->layer->weights().size(); ++i)
      weights.push_back(Emitter::sym(params[w0 + i]));
    e.loc = mlir::NameLoc::get(e.b.getStringAttr(n->layer->name()));
    values[n.get()] = n->layer->emitOutputs(e, in, weights);
  }
  std::vector<mlir::Value> out;
  for (const KerasTensor &o : m.outputs)
    out.push_back(Emitter::value(valueOf(o)));
  return out;
}

/// Appends the parameters the graph just emitted rewrites (e.stateUpdates)
/// to `results`, records their argument numbers in `updated` and in `fn`'s
/// kiln.state_updates, and gives `fn` the new result types.
void appendStateUpdates(Emitter &e, mlir::func::FuncOp fn,
                        llvm::SmallVector<mlir::Value> &results,
                        llvm::SmallVector<int64_t> &updated) {
  for (auto [param, value] : e.stateUpdates) {
    updated.push_back(mlir::cast<mlir::BlockArgument>(param).getArgNumber());
    results.push_back(value);
  }
  e.stateUpdates.clear();
  if (updated.empty())
    return;
  llvm::SmallVector<mlir::Type> types;
  for (mlir::Value v : results)
    types.push_back(v.getType());
  fn.setFunctionType(mlir::FunctionType::get(
      fn.getContext(), fn.getFunctionType().getInputs(), types));
  fn->setAttr("kiln.state_updates",
              mlir::DenseI64ArrayAttr::get(fn.getContext(), updated));
}

/// The compiler's description of the optimizer (kiln-make-steps reads it
/// from the module).
OptimizerAttr optimizerAttr(mlir::MLIRContext *ctx, const Optimizer &o) {
  std::optional<OptimizerKind> kind = symbolizeOptimizerKind(o.name());
  if (!kind)
    throwError("unknown optimizer '", o.name(), "'");
  using llvm::APFloat;
  return OptimizerAttr::get(
      ctx, *kind, APFloat(o.learning_rate()), APFloat(o.momentum()),
      o.nesterov(), APFloat(o.rho()), APFloat(o.beta_1()), APFloat(o.beta_2()),
      APFloat(o.epsilon()), APFloat(o.initial_accumulator_value()));
}

mlir::MLIRContext &sharedContext() {
  // One context for every model of the process. Dialects are registered,
  // not loaded: a model whose steps come from the compile cache needs only
  // the ones it is emitted in, and compileToJit loads what the passes use.
  static mlir::MLIRContext *context = [] {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    registerKilnPasses();
    auto *ctx = new mlir::MLIRContext(registry);
    ctx->loadDialect<KilnDialect, mlir::func::FuncDialect,
                     mlir::arith::ArithDialect>();
    return ctx;
  }();
  return *context;
}

/// One line per stage after MLIR's report: wall and CPU milliseconds.
void printStages(const CompileTimings &timings) {
  llvm::errs() << "kiln: stages (ms wall/cpu, summed over steps):";
  for (const CompileTimings::Stage &stage : timings.stages)
    llvm::errs() << " " << stage.name << " "
                 << llvm::format("%.1f/%.1f", stage.seconds * 1e3,
                                 stage.cpuSeconds * 1e3);
  llvm::errs() << "; total wall "
               << llvm::format("%.1f", timings.totalSeconds * 1e3)
               << (timings.cacheHit ? " (from the compile cache)" : "")
               << "\n";
}

} // namespace

mlir::OwningOpRef<mlir::ModuleOp>
Model::Impl::emitModule(mlir::MLIRContext &ctx, abi::StepSignature &sig) {
  const CompileOptions *options = compileOptions ? &*compileOptions : nullptr;
  if (options && options->loss.empty())
    throwError("model '", name, "': compile needs a loss");
  mlir::OpBuilder b(&ctx);
  mlir::Location loc = b.getUnknownLoc();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  if (options)
    (*module)->setAttr(OptimizerAttr::kAttrName,
                       optimizerAttr(&ctx, options->optimizer));
  b.setInsertionPointToEnd(module->getBody());
  Emitter e(b, loc);

  sig = abi::StepSignature();
  llvm::SmallVector<mlir::Type> paramTypes, inputTypes, outputTypes;
  for (const auto &l : layers)
    for (size_t i = 0; i < l->weights().size(); ++i) {
      sig.params.push_back(l->weights()[i].shape());
      sig.trainable.push_back(l->specs()[i].trainable);
      paramTypes.push_back(e.tensorType(sig.params.back()));
    }
  for (const KerasTensor &i : inputs) {
    sig.inputs.push_back(i.shape());
    sig.inputTypes.push_back(DType::f32);
    inputTypes.push_back(e.tensorType(i.shape()));
  }
  for (const KerasTensor &o : outputs) {
    sig.outputs.push_back(o.shape());
    outputTypes.push_back(e.tensorType(o.shape()));
  }

  // @forward(params..., inputs...) -> (outputs..., updated states...)
  llvm::SmallVector<mlir::Type> forwardArgs(paramTypes);
  forwardArgs.append(inputTypes);
  auto forward = mlir::func::FuncOp::create(
      b, loc, "forward", b.getFunctionType(forwardArgs, outputTypes));
  for (size_t i = 0; i < paramTypes.size(); ++i)
    forward.setArgAttr(i, "kiln.param", b.getUnitAttr());
  // Parameters a function rewrites (stateful layers' states, the moving
  // statistics in training), after its own results: kiln-make-steps
  // writes them back.
  llvm::SmallVector<int64_t> forwardUpdates;
  {
    mlir::OpBuilder::InsertionGuard guard(b);
    mlir::Block *entry = forward.addEntryBlock();
    b.setInsertionPointToStart(entry);
    auto args = entry->getArguments();
    e.stateUpdates.clear();
    std::vector<mlir::Value> graph = emitGraph(
        e, *this, args.take_front(paramTypes.size()),
        args.drop_front(paramTypes.size()));
    llvm::SmallVector<mlir::Value> outs(graph.begin(), graph.end());
    e.loc = loc;
    appendStateUpdates(e, forward, outs, forwardUpdates);
    mlir::func::ReturnOp::create(b, loc, outs);
  }

  if (options) {
    // One loss and one target per output (Keras's loss list or map).
    std::vector<std::string> outputNames = this->outputNames();
    std::vector<LossChoice> choices;
    std::vector<std::optional<Loss>> losses;
    for (const std::string &l : options->loss.resolve(outputNames)) {
      const LossFunction *custom = options->loss.function(l);
      if (custom && !custom->fn)
        throwError("model '", name, "': the custom loss '", l, "' has no function");
      choices.push_back(custom ? LossChoice{std::nullopt, custom}
                               : LossChoice{parseLoss(l), nullptr});
      losses.push_back(choices.back().builtin);
    }
    std::vector<double> weights = options->loss_weights.resolve(outputNames);
    llvm::SmallVector<mlir::Type> lossArgs(forwardArgs);
    for (size_t k = 0; k < outputs.size(); ++k) {
      Shape outShape = outputs[k].shape();
      Shape targetShape = outShape;
      mlir::Type targetType = e.tensorType(outShape);
      sig.targetTypes.push_back(DType::f32);
      sig.sparseLabelClasses.push_back(0);
      if (losses[k] == Loss::scce) {
        targetShape.pop_back();
        targetType = e.tensorType(targetShape, b.getI32Type());
        sig.targetTypes.back() = DType::i32;
        sig.sparseLabelClasses.back() = outShape.back();
      }
      sig.targets.push_back(targetShape);
      lossArgs.push_back(targetType);
    }

    // @loss(params..., inputs..., targets...) -> (loss, metrics...). With
    // several outputs, as Keras: the weighted total, each output's loss,
    // then each output's metrics, named after the output layer.
    bool several = outputs.size() > 1;
    resultNames = {"loss"};
    if (several)
      for (const std::string &o : outputNames)
        resultNames.push_back(o + "_loss");
    std::vector<std::vector<Metric>> metricsOf =
        resolveMetricObjects(options->metrics.resolve(outputNames));
    // How the runtime reads each result: the losses and mean metrics one
    // float each, the confusion metrics their counts.
    sig.resultSpecs.assign(resultNames.size(), abi::ResultSpec());
    for (size_t k = 0; k < outputs.size(); ++k)
      for (const Metric &mt : metricsOf[k]) {
        resultNames.push_back(several ? outputNames[k] + "_" + mt.name : mt.name);
        sig.resultSpecs.push_back(detail::resultSpecOf(mt));
      }
    uint32_t offset = 0;
    for (abi::ResultSpec &spec : sig.resultSpecs) {
      spec.offset = offset;
      offset += spec.width();
    }
    // The loss, then each metric, of each y_pred against its y_true.
    auto emitScalars = [&](mlir::ValueRange yTrue, mlir::ValueRange yPred) {
      llvm::SmallVector<mlir::Value> perOutput, metrics;
      mlir::Value total;
      for (size_t k = 0; k < outputs.size(); ++k) {
        perOutput.push_back(emitLoss(e, choices[k], yTrue[k], yPred[k]));
        mlir::Value weighted = weights[k] == 1.0
                                   ? perOutput.back()
                                   : mlir::Value(MulOp::create(
                                         b, e.loc, perOutput.back(),
                                         e.scalar(weights[k])));
        total = total ? mlir::Value(AddOp::create(b, e.loc, total, weighted))
                      : weighted;
        for (const Metric &mt : metricsOf[k])
          metrics.push_back(emitMetric(e, mt, losses[k], yTrue[k], yPred[k]));
      }
      llvm::SmallVector<mlir::Value> results = {total};
      if (several)
        results.append(perOutput);
      results.append(metrics);
      for (auto [r, spec] : llvm::zip(results, sig.resultSpecs))
        if (auto t = mlir::cast<mlir::RankedTensorType>(r.getType());
            spec.kind == abi::ResultSpec::Kind::mean
                ? t.getRank() != 0
                : t.getNumElements() != int64_t(spec.width()))
          throwError("model '", name, "': a metric did not reduce to a scalar");
      return results;
    };
    // The results' types are set once they are emitted (a confusion
    // metric's counts are not a scalar).
    auto openFunction = [&](const char *fnName,
                            llvm::ArrayRef<mlir::Type> argTypes) {
      auto fn = mlir::func::FuncOp::create(
          b, loc, fnName, b.getFunctionType(argTypes, {}));
      for (size_t i = 0; i < paramTypes.size(); ++i) {
        fn.setArgAttr(i, "kiln.param", b.getUnitAttr());
        if (sig.trainable[i])
          fn.setArgAttr(i, "kiln.trainable", b.getUnitAttr());
      }
      return fn;
    };
    {
      auto lossFn = openFunction("loss", lossArgs);
      mlir::OpBuilder::InsertionGuard guard(b);
      mlir::Block *entry = lossFn.addEntryBlock();
      b.setInsertionPointToStart(entry);
      auto args = entry->getArguments();
      auto call = mlir::func::CallOp::create(
          b, loc, forward, args.take_front(forwardArgs.size()));
      llvm::SmallVector<mlir::Value> results =
          emitScalars(args.take_back(outputs.size()),
                      call.getResults().take_front(outputs.size()));
      for (mlir::Value v : call.getResults().drop_front(outputTypes.size()))
        results.push_back(v);
      lossFn.setFunctionType(
          b.getFunctionType(lossArgs, mlir::ValueRange(results).getTypes()));
      if (!forwardUpdates.empty())
        lossFn->setAttr("kiln.state_updates",
                        b.getDenseI64ArrayAttr(forwardUpdates));
      mlir::func::ReturnOp::create(b, loc, results);
    }

    // @train_loss(params..., inputs..., targets..., step) -> (loss,
    // metrics..., updated state...): the graph with training=True, when a
    // layer computes something else in training (kiln-make-steps).
    bool trainingDiffers = llvm::any_of(
        layers, [](const auto &l) { return l->hasTrainingBehavior(); });
    if (trainingDiffers) {
      llvm::SmallVector<mlir::Type> trainArgs(lossArgs);
      trainArgs.push_back(e.tensorType({}, b.getI64Type()));
      auto trainFn = openFunction("train_loss", trainArgs);
      trainFn.setArgAttr(trainArgs.size() - 1, "kiln.step", b.getUnitAttr());
      mlir::OpBuilder::InsertionGuard guard(b);
      mlir::Block *entry = trainFn.addEntryBlock();
      b.setInsertionPointToStart(entry);
      auto args = entry->getArguments();
      e.training = true;
      e.step = args.back();
      e.stateUpdates.clear();
      auto outs = emitGraph(e, *this, args.take_front(paramTypes.size()),
                            args.slice(paramTypes.size(), inputTypes.size()));
      e.loc = loc;
      e.training = false;
      llvm::SmallVector<mlir::Value> results = emitScalars(
          args.drop_back(1).take_back(outputs.size()), mlir::ValueRange(outs));
      trainFn.setFunctionType(
          b.getFunctionType(trainArgs, mlir::ValueRange(results).getTypes()));
      llvm::SmallVector<int64_t> updated;
      appendStateUpdates(e, trainFn, results, updated);
      mlir::func::ReturnOp::create(b, loc, results);
    }
  }
  if (mlir::failed(mlir::verify(*module)))
    throwError("model '", name, "': the emitted kiln IR does not verify");
  return module;
}

void Model::Impl::compileSteps() {
  mlir::DefaultTimingManager timingManager;
  timingManager.setEnabled(config::get_compile_timing());
  mlir::TimingScope timing = timingManager.getRootScope();
  compileTimings = CompileTimings();
  StageTimes times(&compileTimings);
  auto start = std::chrono::steady_clock::now();
  StageTimer contextTimer(timing, times, "context");
  mlir::MLIRContext &ctx = sharedContext();
  contextTimer.stop();
  StageTimer emitTimer(timing, times, "emit");
  abi::StepSignature sig;
  mlir::OwningOpRef<mlir::ModuleOp> module = emitModule(ctx, sig);
  mlir = std::string();
  {
    llvm::raw_string_ostream os(mlir);
    module->print(os);
  }

  emitTimer.stop();
  jitOptions = JitOptions();
  jitOptions.threads = config::threading::get_intra_op_parallelism_threads();
  jitOptions.cache = true;
  // compileToJit adds its stages after context and emit, and sets the
  // pipeline, JIT and cache figures; the total is the frontend's own.
  // Data parallel: the train step reduces its gradients across the
  // processes (kiln-data-parallel).
  std::string prePipeline = "kiln-make-steps";
  std::shared_ptr<dist::Communicator> replicas;
  // One process has nothing to reduce: its step stays as it was (the
  // packing into buckets costs about a third of the MLP's step).
  if (std::optional<distribution::DataParallel> dp = distribution::distribution();
      compileOptions && dp)
    if (std::shared_ptr<dist::Communicator> comm = distribution::communicator_of(*dp);
        comm->size() > 1) {
      // A stateful layer carries its state from one batch to the next of
      // the same stream, which splitting batches between processes breaks.
      for (const auto &l : layers)
        if (l->statefulBatchSize() != 0)
          throwError("model '", name, "': ", l->where(),
                     "is stateful; data-parallel training splits its batches "
                     "between processes (train it in one process)");
      prePipeline += ",kiln-data-parallel{bucket-bytes=" +
                     std::to_string(dp->bucket_bytes) + "}";
      replicas = std::move(comm);
      sig.dataParallel = true;
      // Replicas on one machine share its cores: each takes its part
      // rather than all of them (threads left at 0, one per core).
      if (jitOptions.threads == 0 && dist::localReplicas() > 1)
        jitOptions.threads = std::max<int64_t>(
            1, int64_t(std::thread::hardware_concurrency()) / dist::localReplicas());
    }
  // The device: a GPU's steps are kiln-to-nvvm's, for its chip.
  const std::string device =
      resolve_device(compileOptions ? compileOptions->device : "");
  if (device != "cpu") {
    if (replicas)
      throwError("model '", name, "': data-parallel training runs on the CPU "
                 "(compile it with device \"cpu\")");
    const int ordinal = std::atoi(device.c_str() + 4);
    sig.device = gpu::stepDevice(ordinal);
    const gpu::DeviceInfo &info = gpu::Driver::get().devices()[size_t(ordinal)];
    // Newer chips than LLVM's NVPTX names run sm_90's PTX, which their
    // driver compiles.
    jitOptions.device = "gpu";
    jitOptions.gpuChip = info.major > 9 ? "sm_90" : info.chip();
    jitOptions.gpuFeatures = "+ptx80";
    jitOptions.gpuMultiprocessors = info.multiprocessors;
    jitOptions.gpuPrecision =
        config::get_float32_matmul_precision() == "high" && info.major >= 8
            ? "tf32"
            : "fp32";
  }
  auto compiled = compileToJit(*module, prePipeline, jitOptions,
                               &compileTimings, &timing);
  if (!compiled)
    throwError("model '", name, "': ", llvm::toString(compiled.takeError()));
  std::unique_ptr<JitModule> built = std::move(*compiled);
  const bool training = compileOptions.has_value();
  compileTimings.totalSeconds = std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - start)
                                    .count();
  compileSeconds = compileTimings.totalSeconds;
  if (config::get_compile_timing()) {
    timing.stop();
    llvm::errs() << "kiln: compile time of model '" << name << "'\n";
    timingManager.print();
    timingManager.setEnabled(false);
    printStages(compileTimings);
  }
  auto lookup = [&](const char *fn) {
    auto f = built->lookup(fn);
    if (!f)
      throwError("model '", name, "': ", llvm::toString(f.takeError()));
    return *f;
  };
  // The argument layouts are the compiler's (kiln-make-steps records them);
  // StepArgs checks each role's count against this model before a step runs.
  auto layoutOf = [&](const char *fn) {
    std::optional<abi::StepLayout> layout = built->layout(fn);
    if (!layout)
      throwError("model '", name, "': the compiled ", fn,
                 " has no argument layout (kiln.step_layout)");
    return *layout;
  };
  abi::CompiledSteps found;
  found.predict = lookup("predict_step");
  found.layouts.predict = layoutOf("predict_step");
  if (training) {
    found.train = lookup("train_step");
    found.eval = lookup("eval_step");
    found.layouts.train = layoutOf("train_step");
    found.layouts.eval = layoutOf("eval_step");
    OptimizerAttr optimizer = optimizerAttr(&ctx, compileOptions->optimizer);
    sig.optimizerSlots = optimizer.slots();
    sig.slotInitialValues.assign(sig.optimizerSlots,
                                 float(optimizer.slotInitialValue()));
    sig.learningRate = float(compileOptions->optimizer.learning_rate());
  }
  sig.resultNames = resultNames;
  found.signature = sig;
  // The state trains the layers' own weight tensors, so a layer's
  // get_weights/set_weights always sees the compiled model's parameters.
  auto shared = std::make_unique<train::ModelState>(
      train::ModelState::sharing(sig, layerWeights()));
  // On a device the state holds copies in its memory: the layers take them
  // as their weights, so both still see the same tensors.
  if (sig.device) {
    size_t k = 0;
    for (const auto &l : layers)
      for (Tensor &w : l->weights())
        w = shared->params()[k++];
  }
  if (training) {
    jit = std::move(built);
    steps = std::move(found);
    communicator = std::move(replicas);
    state = std::move(shared);
    dropPredictOnly();
  } else {
    predictJit = std::move(built);
    predictSteps = std::move(found);
    predictState = std::move(shared);
  }
}

void Model::Impl::dropPredictOnly() {
  predictState.reset();
  predictSteps = abi::CompiledSteps();
  predictJit.reset();
}

std::string Model::to_mlir() {
  Impl &m = self();
  if (m.state)
    return m.mlir;
  if (!m.built())
    throwError("model '", m.name, "': to_mlir needs the input shape (give "
               "the first layer input_shape, or call the model on data)");
  // Not compiled: @forward alone (kiln-make-steps makes predict_step of it).
  abi::StepSignature sig;
  std::vector<std::string> names = m.resultNames;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      m.emitModule(sharedContext(), sig);
  m.resultNames = std::move(names);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

} // namespace kiln
