// fit / evaluate / predict: validation and conversion once per call, then a
// loop that only rebinds descriptors and calls the compiled steps.
#include "runtime/train/Fit.h"

#include "runtime/train/Format.h"
#include "runtime/train/Progbar.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace kiln::train {

namespace {

//===----------------------------------------------------------------------===//
// Validation and conversion
//===----------------------------------------------------------------------===//

Shape squeezed(const Shape &shape, size_t from) {
  Shape out;
  for (size_t i = from; i < shape.size(); ++i)
    if (shape[i] != 1)
      out.push_back(shape[i]);
  return out;
}

bool isInteger(DType t) { return t == DType::i32 || t == DType::i64 || t == DType::u8; }

// Element `i` of `t` as a double (exact for every label a model can have).
double elementAsDouble(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::f32:
    return t.data<float>()[i];
  case DType::i32:
    return t.data<int32_t>()[i];
  case DType::i64:
    return static_cast<double>(t.data<int64_t>()[i]);
  case DType::u8:
    return t.data<uint8_t>()[i];
  }
  return 0;
}

// One validated data array, in the dtype and per-sample shape it is bound
// with. `data` may be the caller's tensor (shared storage) or a converted
// copy.
struct Array {
  Tensor data;
  size_t rowBytes = 0;
  int64_t samples() const { return data.shape()[0]; }
  char *row(int64_t i) {
    return static_cast<char *>(data.raw()) + static_cast<size_t>(i) * rowBytes;
  }
};

// The checks and conversions that fit, evaluate and predict share.
struct Validator {
  const char *caller;
  const abi::StepSignature &sig;

  std::string name(const std::string &prefix, const char *what, size_t i,
                   size_t n) const {
    std::string s = prefix + what;
    if (n > 1) {
      s += '[';
      s += std::to_string(i);
      s += ']';
    }
    return s;
  }

  // Checks `t` against the signature shape `expected` (leading -1) and
  // converts it to `dtype`. `labels` asks for the integer-label checks.
  Array prepare(const Tensor &t, const Shape &expected, DType dtype,
                const std::string &what, bool labels) const {
    if (t.rank() == 0)
      throwError(caller, ": ", what,
                 " is a scalar; it needs a leading sample dimension");
    // Per-sample dims: every one equal, or dynamic in the signature.
    bool matches = t.rank() == static_cast<int64_t>(expected.size());
    bool hasDynamic = false;
    for (size_t d = 1; d < expected.size(); ++d) {
      hasDynamic |= expected[d] < 0;
      if (matches && expected[d] >= 0 && t.shape()[d] != expected[d])
        matches = false;
    }
    Tensor data = t;
    if (!matches) {
      // (N,) labels for a (N, 1) target and the like: same elements per
      // sample, differing only in size-1 dimensions, bound as a view.
      if (!hasDynamic && squeezed(t.shape(), 1) == squeezed(expected, 1)) {
        Shape view = expected;
        view[0] = t.shape()[0];
        data = t.reshape(view);
      } else {
        throwError(caller, ": ", what, " has per-sample shape ",
                   pythonShape(t.shape(), 1), " but the model expects ",
                   pythonShape(expected, 1), " (", what, " has shape ",
                   pythonShape(t.shape()), ")");
      }
    }
    if (isInteger(dtype) && data.dtype() == DType::f32) {
      const float *v = data.data<float>();
      for (int64_t i = 0; i < data.size(); ++i)
        if (!(std::trunc(v[i]) == v[i]))
          throwError(caller, ": ", what, " has the non-integer ",
                     labels ? "label " : "value ", v[i], " at index ", i,
                     " but the model expects ", dtypeName(dtype),
                     labels ? " labels" : " values", " (whole numbers)");
    }
    if (labels && isInteger(dtype) && sig.sparseLabelClasses > 0) {
      const int64_t classes = sig.sparseLabelClasses;
      for (int64_t i = 0; i < data.size(); ++i) {
        double v = elementAsDouble(data, i);
        if (v < 0 || v >= static_cast<double>(classes))
          throwError(caller, ": ", what, ": label ", static_cast<int64_t>(v),
                     " at index ", i, " is out of range for ", classes,
                     " classes (labels must be in [0, ", classes, "))");
      }
    }
    Array a;
    a.data = data.dtype() == dtype ? data : data.astype(dtype);
    a.rowBytes = a.samples() ? a.data.nbytes() / static_cast<size_t>(a.samples())
                             : 0;
    return a;
  }

  std::vector<Array> prepareAll(const std::vector<Tensor> &tensors,
                                const std::vector<Shape> &shapes,
                                const std::vector<DType> &types,
                                const std::string &prefix, const char *what,
                                const char *role, bool labels) const {
    if (tensors.size() != shapes.size())
      throwError(caller, ": the model has ", shapes.size(), " ", role,
                 shapes.size() == 1 ? "" : "s", " but ", prefix, what,
                 " holds ", tensors.size(), " array",
                 tensors.size() == 1 ? "" : "s");
    std::vector<Array> out;
    for (size_t i = 0; i < tensors.size(); ++i) {
      DType dtype = types.empty() ? DType::f32 : types[i];
      out.push_back(prepare(tensors[i], shapes[i], dtype,
                            name(prefix, what, i, tensors.size()), labels));
    }
    return out;
  }

  // Equal sample counts across x and y; returns the count.
  int64_t checkSamples(const std::vector<Array> &x, const std::vector<Array> &y,
                       const std::string &prefix) const {
    int64_t n = x.empty() ? 0 : x[0].samples();
    std::string first = name(prefix, "x", 0, x.size());
    for (size_t i = 1; i < x.size(); ++i)
      if (x[i].samples() != n)
        throwError(caller, ": ", name(prefix, "x", i, x.size()), " has ",
                   x[i].samples(), " samples but ", first, " has ", n);
    for (size_t i = 0; i < y.size(); ++i)
      if (y[i].samples() != n)
        throwError(caller, ": ", first, " has ", n, " samples but ",
                   name(prefix, "y", i, y.size()), " has ", y[i].samples());
    return n;
  }
};

void checkSignature(const abi::StepSignature &sig, const char *caller,
                    bool needsResults, bool needsOutputs) {
  auto checkShapes = [&](const std::vector<Shape> &shapes, const char *role) {
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (shapes[i].empty() || shapes[i][0] != -1)
        throwError(caller, ": the compiled model's ", role, " ", i,
                   " has shape ", pythonShape(shapes[i]),
                   "; its leading (batch) dimension must be dynamic (-1)");
    }
  };
  if (sig.inputs.empty())
    throwError(caller, ": the compiled model has no inputs");
  checkShapes(sig.inputs, "input");
  checkShapes(sig.targets, "target");
  checkShapes(sig.outputs, "output");
  if (!sig.inputTypes.empty() && sig.inputTypes.size() != sig.inputs.size())
    throwError(caller, ": the signature has ", sig.inputs.size(),
               " inputs but ", sig.inputTypes.size(), " input types");
  if (!sig.targetTypes.empty() && sig.targetTypes.size() != sig.targets.size())
    throwError(caller, ": the signature has ", sig.targets.size(),
               " targets but ", sig.targetTypes.size(), " target types");
  if (needsResults && sig.resultNames.empty())
    throwError(caller, ": the signature names no results (\"loss\" first, "
                       "then the metrics)");
  if (needsOutputs)
    for (size_t i = 0; i < sig.outputs.size(); ++i)
      for (size_t d = 1; d < sig.outputs[i].size(); ++d)
        if (sig.outputs[i][d] < 0)
          throwError(caller, ": output ", i, " has shape ",
                     pythonShape(sig.outputs[i]),
                     "; only the leading dimension may be dynamic");
}

//===----------------------------------------------------------------------===//
// Batches
//===----------------------------------------------------------------------===//

// One data array bound to one descriptor of an ArgPack.
struct Binding {
  Array *array;
  size_t arg;
  Tensor buffer; // gather target when shuffling; empty otherwise
};

// Binds `arrays` to descriptors first.. of `pack` with room for `capacity`
// rows; `gather` allocates the batch buffers (once).
std::vector<Binding> bindArrays(abi::ArgPack &pack, size_t first,
                                std::vector<Array> &arrays, int64_t capacity,
                                bool gather) {
  std::vector<Binding> out;
  for (size_t i = 0; i < arrays.size(); ++i) {
    Binding b{&arrays[i], first + i, Tensor()};
    Shape sizes = arrays[i].data.shape();
    sizes[0] = capacity;
    void *ptr = arrays[i].data.raw();
    if (gather) {
      b.buffer = Tensor::empty(sizes, arrays[i].data.dtype());
      ptr = b.buffer.raw();
    }
    pack[b.arg].bind(ptr, sizes);
    out.push_back(std::move(b));
  }
  return out;
}

// Points every binding at rows [begin, begin + n) of its data: no copy.
void feedRows(abi::ArgPack &pack, std::vector<Binding> &bindings,
              int64_t begin, int64_t n) {
  for (Binding &b : bindings)
    pack[b.arg].rebindBatch(b.array->row(begin), n);
}

// Copies rows `rows[0..n)` of every binding's data into its batch buffer.
void gatherRows(abi::ArgPack &pack, std::vector<Binding> &bindings,
                const int64_t *rows, int64_t n) {
  for (Binding &b : bindings) {
    char *dst = static_cast<char *>(b.buffer.raw());
    size_t rowBytes = b.array->rowBytes;
    for (int64_t k = 0; k < n; ++k)
      std::memcpy(dst + static_cast<size_t>(k) * rowBytes, b.array->row(rows[k]),
                  rowBytes);
    pack[b.arg].rebindBatch(dst, n);
  }
}

void bindParams(abi::ArgPack &pack, const std::vector<Tensor> &params) {
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i]; // shares storage; the step reads it in place
    pack[i].bind(p.raw(), p.shape());
  }
}

// Uniform integer in [0, n) from mt19937_64, identical on every platform
// (std::uniform_int_distribution is implementation-defined).
uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t n) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() -
                         std::numeric_limits<uint64_t>::max() % n;
  for (;;) {
    uint64_t r = rng();
    if (r < limit)
      return r % n;
  }
}

void shuffleInPlace(std::vector<int64_t> &v, std::mt19937_64 &rng) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(uniformBelow(rng, i));
    std::swap(v[i - 1], v[j]);
  }
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Runs eval_step over rows [begin, begin + count) in batches and returns the
// sample-weighted mean of every result. `bar` (optional) gets running means.
class Evaluator {
public:
  Evaluator(const abi::CompiledSteps &steps, const ModelState &state,
            std::vector<Array> &x, std::vector<Array> &y, int64_t begin,
            int64_t count, int64_t batchSize)
      : steps_(steps), begin_(begin), count_(count),
        batchSize_(std::min(batchSize, std::max<int64_t>(count, 1))),
        results_(Tensor::zeros(
            {static_cast<int64_t>(steps.signature.resultNames.size())})) {
    const abi::StepSignature &sig = steps.signature;
    size_t p = sig.params.size();
    pack_.resize(p + x.size() + y.size() + 1);
    bindParams(pack_, state.params());
    xb_ = bindArrays(pack_, p, x, batchSize_, false);
    yb_ = bindArrays(pack_, p + x.size(), y, batchSize_, false);
    pack_[pack_.size() - 1].bind(results_.raw(), results_.shape());
    sums_.assign(sig.resultNames.size(), 0.0);
  }

  int64_t steps() const { return ceilDiv(count_, batchSize_); }

  // Sample-weighted means; `onBatch(batch, means)` after every batch.
  template <typename OnBatch>
  const std::vector<double> &run(OnBatch &&onBatch) {
    std::fill(sums_.begin(), sums_.end(), 0.0);
    means_.assign(sums_.size(), 0.0);
    int64_t seen = 0;
    const float *r = results_.data<float>();
    for (int64_t b = 0, n = steps(); b < n; ++b) {
      int64_t first = b * batchSize_;
      int64_t rows = std::min(batchSize_, count_ - first);
      feedRows(pack_, xb_, begin_ + first, rows);
      feedRows(pack_, yb_, begin_ + first, rows);
      pack_.call(steps_.eval);
      seen += rows;
      for (size_t k = 0; k < sums_.size(); ++k) {
        sums_[k] += static_cast<double>(r[k]) * static_cast<double>(rows);
        means_[k] = sums_[k] / static_cast<double>(seen);
      }
      onBatch(b, means_);
    }
    return means_;
  }

private:
  const abi::CompiledSteps &steps_;
  int64_t begin_, count_, batchSize_;
  Tensor results_;
  abi::ArgPack pack_;
  std::vector<Binding> xb_, yb_;
  std::vector<double> sums_, means_;
};

// Detaches the callbacks from the TrainContext however fit() ends.
struct DetachGuard {
  const CallbackList &callbacks;
  ~DetachGuard() {
    for (const auto &cb : callbacks)
      cb->set_model(nullptr);
  }
};

void checkPositiveBatch(const char *caller, int64_t batchSize) {
  if (batchSize <= 0)
    throwError(caller, ": batch_size must be positive, got ", batchSize);
}

void checkVerbose(const char *caller, int verbose) {
  if (verbose < 0 || verbose > 2)
    throwError(caller, ": verbose must be 0, 1 or 2, got ", verbose);
}

} // namespace

//===----------------------------------------------------------------------===//
// fit
//===----------------------------------------------------------------------===//

History fit(const abi::CompiledSteps &steps, ModelState &state,
            const std::vector<Tensor> &xIn, const std::vector<Tensor> &yIn,
            const FitOptions &options) {
  const char *caller = "fit";
  const abi::StepSignature &sig = steps.signature;
  if (!steps.train)
    throwError("fit: the compiled model has no train_step");
  checkSignature(sig, caller, /*needsResults=*/true, /*needsOutputs=*/false);
  state.checkCompatible(sig, caller);
  checkPositiveBatch(caller, options.batch_size);
  checkVerbose(caller, options.verbose);
  if (options.epochs < 0)
    throwError("fit: epochs must be >= 0, got ", options.epochs);
  if (options.initial_epoch < 0)
    throwError("fit: initial_epoch must be >= 0, got ", options.initial_epoch);
  if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
    throwError("fit: validation_split must be in [0, 1), got ",
               options.validation_split);
  for (const auto &cb : options.callbacks)
    if (!cb)
      throwError("fit: callbacks holds a null callback");

  // Validate and convert once.
  Validator check{caller, sig};
  std::vector<Array> x = check.prepareAll(xIn, sig.inputs, sig.inputTypes, "",
                                          "x", "input", false);
  std::vector<Array> y = check.prepareAll(yIn, sig.targets, sig.targetTypes,
                                          "", "y", "target", true);
  const int64_t samples = check.checkSamples(x, y, "");
  if (samples == 0)
    throwError("fit: x has no samples");

  // Validation: validation_data wins over validation_split, as in Keras;
  // the split holds out the LAST samples, before any shuffling.
  int64_t trainCount = samples;
  std::vector<Array> vx, vy;
  std::vector<Array> *valX = nullptr, *valY = nullptr;
  int64_t valBegin = 0, valCount = 0;
  if (options.validation_data) {
    if (!steps.eval)
      throwError("fit: validation needs an eval_step, and the compiled model "
                 "has none");
    vx = check.prepareAll(options.validation_data->first, sig.inputs,
                          sig.inputTypes, "validation_data ", "x", "input",
                          false);
    vy = check.prepareAll(options.validation_data->second, sig.targets,
                          sig.targetTypes, "validation_data ", "y", "target",
                          true);
    valCount = check.checkSamples(vx, vy, "validation_data ");
    if (valCount == 0)
      throwError("fit: validation_data x has no samples");
    valX = &vx;
    valY = &vy;
  } else if (options.validation_split > 0.0) {
    if (!steps.eval)
      throwError("fit: validation needs an eval_step, and the compiled model "
                 "has none");
    trainCount = static_cast<int64_t>(std::floor(
        static_cast<double>(samples) * (1.0 - options.validation_split)));
    if (trainCount == 0 || trainCount == samples)
      throwError("fit: training data contains ", samples,
                 " samples, which is not sufficient to split it into a "
                 "validation and training set as specified by "
                 "validation_split=",
                 options.validation_split,
                 ". Either provide more data, or a different value for "
                 "validation_split.");
    valX = &x;
    valY = &y;
    valBegin = trainCount;
    valCount = samples - trainCount;
  }

  // Everything a step needs, allocated once.
  const int64_t batchSize = std::min(options.batch_size, trainCount);
  const int64_t stepsPerEpoch = ceilDiv(trainCount, batchSize);
  const size_t numResults = sig.resultNames.size();
  const size_t P = sig.params.size(), S = state.slots().size();
  abi::ArgPack pack(P + S + 1 + x.size() + y.size() + 1);
  bindParams(pack, state.params());
  for (size_t i = 0; i < S; ++i) {
    Tensor slot = state.slots()[i];
    pack[P + i].bind(slot.raw(), slot.shape());
  }
  Tensor iterations = state.iterationsTensor();
  pack[P + S].bind(iterations.raw(), {});
  const size_t firstX = P + S + 1;
  std::vector<Binding> xb = bindArrays(pack, firstX, x, batchSize, options.shuffle);
  std::vector<Binding> yb =
      bindArrays(pack, firstX + x.size(), y, batchSize, options.shuffle);
  Tensor results = Tensor::zeros({static_cast<int64_t>(numResults)});
  pack[pack.size() - 1].bind(results.raw(), results.shape());
  const float *r = results.data<float>();

  std::optional<Evaluator> validator;
  if (valX)
    validator.emplace(steps, state, *valX, *valY, valBegin, valCount,
                      options.batch_size);

  std::vector<int64_t> order;
  std::mt19937_64 rng;
  if (options.shuffle) {
    if (options.seed) {
      rng.seed(*options.seed);
    } else {
      std::random_device device;
      rng.seed((static_cast<uint64_t>(device()) << 32) ^ device());
    }
    order.resize(static_cast<size_t>(trainCount));
    for (int64_t i = 0; i < trainCount; ++i)
      order[static_cast<size_t>(i)] = i;
  }

  // Callbacks in Keras's order: progress first, History last.
  Console console = Console::make(options.out, options.err, options.tty,
                                  options.clock);
  Params params{options.verbose, options.epochs, stepsPerEpoch};
  TrainContext context(state, params, console);
  CallbackList callbacks;
  if (options.verbose != 0)
    callbacks.push_back(std::make_shared<ProgbarLogger>());
  callbacks.insert(callbacks.end(), options.callbacks.begin(),
                   options.callbacks.end());
  auto history = std::make_shared<History>();
  callbacks.push_back(history);
  DetachGuard guard{callbacks};
  for (const auto &cb : callbacks)
    cb->set_model(&context);

  Logs batchLogs, epochLogs, scratch;
  for (const std::string &name : sig.resultNames)
    batchLogs.set(name, 0.0);
  std::vector<double> sums(numResults, 0.0);
  bool warnedNonFinite = false;
  const bool terminatesOnNaN =
      std::any_of(callbacks.begin(), callbacks.end(), [](const auto &cb) {
        return dynamic_cast<const TerminateOnNaN *>(cb.get()) != nullptr;
      });

  for (const auto &cb : callbacks)
    cb->on_train_begin(scratch);

  for (int epoch = options.initial_epoch; epoch < options.epochs; ++epoch) {
    scratch.clear();
    for (const auto &cb : callbacks)
      cb->on_epoch_begin(epoch, scratch);
    if (options.shuffle)
      shuffleInPlace(order, rng);
    std::fill(sums.begin(), sums.end(), 0.0);
    int64_t seen = 0;
    for (int64_t b = 0; b < stepsPerEpoch; ++b) {
      scratch.clear();
      for (const auto &cb : callbacks)
        cb->on_train_batch_begin(b, scratch);
      const int64_t first = b * batchSize;
      const int64_t rows = std::min(batchSize, trainCount - first);
      if (options.shuffle) {
        gatherRows(pack, xb, order.data() + first, rows);
        gatherRows(pack, yb, order.data() + first, rows);
      } else {
        feedRows(pack, xb, first, rows);
        feedRows(pack, yb, first, rows);
      }
      pack.call(steps.train);
      seen += rows;
      for (size_t k = 0; k < numResults; ++k) {
        sums[k] += static_cast<double>(r[k]) * static_cast<double>(rows);
        batchLogs.valueAt(k) = sums[k] / static_cast<double>(seen);
      }
      if (!warnedNonFinite && numResults && !std::isfinite(r[0])) {
        warnedNonFinite = true;
        // With TerminateOnNaN in the list the callback reports and stops.
        if (!terminatesOnNaN)
          console.errors() << "Warning: fit: the loss is "
                           << (std::isnan(r[0]) ? "nan" : "inf")
                           << " at epoch " << epoch + 1 << ", batch " << b
                           << "; training goes on (add "
                              "callbacks::TerminateOnNaN() to stop it)\n";
      }
      for (const auto &cb : callbacks)
        cb->on_train_batch_end(b, batchLogs);
      if (context.stop_training)
        break;
    }

    epochLogs.clear();
    for (size_t k = 0; k < numResults; ++k)
      epochLogs.set(sig.resultNames[k],
                    seen ? sums[k] / static_cast<double>(seen) : 0.0);
    if (validator) {
      const std::vector<double> &means =
          validator->run([](int64_t, const std::vector<double> &) {});
      for (size_t k = 0; k < numResults; ++k)
        epochLogs.set("val_" + sig.resultNames[k], means[k]);
    }
    for (const auto &cb : callbacks)
      cb->on_epoch_end(epoch, epochLogs);
    if (context.stop_training)
      break;
  }

  for (const auto &cb : callbacks)
    cb->on_train_end(epochLogs);
  // The copy must not keep a pointer to this frame's TrainContext.
  History result = *history;
  result.set_model(nullptr);
  return result;
}

//===----------------------------------------------------------------------===//
// evaluate
//===----------------------------------------------------------------------===//

std::vector<double> evaluate(const abi::CompiledSteps &steps,
                             const ModelState &state,
                             const std::vector<Tensor> &x,
                             const std::vector<Tensor> &y, int64_t batch_size,
                             int verbose) {
  EvaluateOptions options;
  options.batch_size = batch_size;
  options.verbose = verbose;
  return evaluate(steps, state, x, y, options);
}

std::vector<double> evaluate(const abi::CompiledSteps &steps,
                             const ModelState &state,
                             const std::vector<Tensor> &x,
                             const std::vector<Tensor> &y,
                             const EvaluateOptions &options) {
  Logs logs = evaluate_dict(steps, state, x, y, options);
  std::vector<double> out;
  for (const auto &item : logs)
    out.push_back(item.second);
  return out;
}

Logs evaluate_dict(const abi::CompiledSteps &steps, const ModelState &state,
                   const std::vector<Tensor> &xIn, const std::vector<Tensor> &yIn,
                   const EvaluateOptions &options) {
  const char *caller = "evaluate";
  const abi::StepSignature &sig = steps.signature;
  if (!steps.eval)
    throwError("evaluate: the compiled model has no eval_step");
  checkSignature(sig, caller, /*needsResults=*/true, /*needsOutputs=*/false);
  state.checkCompatible(sig, caller, /*checkSlots=*/false);
  checkPositiveBatch(caller, options.batch_size);
  checkVerbose(caller, options.verbose);
  Validator check{caller, sig};
  std::vector<Array> x = check.prepareAll(xIn, sig.inputs, sig.inputTypes, "",
                                          "x", "input", false);
  std::vector<Array> y = check.prepareAll(yIn, sig.targets, sig.targetTypes,
                                          "", "y", "target", true);
  const int64_t samples = check.checkSamples(x, y, "");
  if (samples == 0)
    throwError("evaluate: x has no samples");

  Evaluator evaluator(steps, state, x, y, 0, samples, options.batch_size);
  Progbar bar(evaluator.steps(), options.verbose,
              Console::make(options.out, nullptr, options.tty, options.clock));
  Logs logs;
  for (const std::string &name : sig.resultNames)
    logs.set(name, 0.0);
  auto fill = [&](const std::vector<double> &means) {
    for (size_t k = 0; k < means.size(); ++k)
      logs.valueAt(k) = means[k];
  };
  const std::vector<double> &means =
      evaluator.run([&](int64_t b, const std::vector<double> &running) {
        if (options.verbose == 1) {
          fill(running);
          bar.update(b + 1, logs, /*finalize=*/false);
        }
      });
  fill(means);
  bar.update(evaluator.steps(), logs, /*finalize=*/true);
  return logs;
}

//===----------------------------------------------------------------------===//
// predict
//===----------------------------------------------------------------------===//

std::vector<Tensor> predict(const abi::CompiledSteps &steps,
                            const ModelState &state,
                            const std::vector<Tensor> &x, int64_t batch_size,
                            int verbose) {
  PredictOptions options;
  options.batch_size = batch_size;
  options.verbose = verbose;
  return predict(steps, state, x, options);
}

std::vector<Tensor> predict(const abi::CompiledSteps &steps,
                            const ModelState &state,
                            const std::vector<Tensor> &xIn,
                            const PredictOptions &options) {
  const char *caller = "predict";
  const abi::StepSignature &sig = steps.signature;
  if (!steps.predict)
    throwError("predict: the compiled model has no predict_step");
  checkSignature(sig, caller, /*needsResults=*/false, /*needsOutputs=*/true);
  state.checkCompatible(sig, caller, /*checkSlots=*/false);
  checkPositiveBatch(caller, options.batch_size);
  checkVerbose(caller, options.verbose);
  Validator check{caller, sig};
  std::vector<Array> x = check.prepareAll(xIn, sig.inputs, sig.inputTypes, "",
                                          "x", "input", false);
  std::vector<Array> none;
  const int64_t samples = check.checkSamples(x, none, "");

  std::vector<Array> outputs;
  std::vector<Tensor> result;
  for (const Shape &shape : sig.outputs) {
    Shape full = shape;
    full[0] = samples;
    Array a;
    a.data = Tensor::empty(full);
    a.rowBytes = samples ? a.data.nbytes() / static_cast<size_t>(samples) : 0;
    outputs.push_back(a);
    result.push_back(a.data);
  }
  if (samples == 0)
    return result;

  const int64_t batchSize = std::min(options.batch_size, samples);
  const size_t P = sig.params.size();
  abi::ArgPack pack(P + x.size() + outputs.size());
  bindParams(pack, state.params());
  std::vector<Binding> xb = bindArrays(pack, P, x, batchSize, false);
  std::vector<Binding> ob = bindArrays(pack, P + x.size(), outputs, batchSize, false);
  const int64_t numSteps = ceilDiv(samples, batchSize);
  Progbar bar(numSteps, options.verbose,
              Console::make(options.out, nullptr, options.tty, options.clock));
  Logs empty;
  for (int64_t b = 0; b < numSteps; ++b) {
    int64_t first = b * batchSize;
    int64_t rows = std::min(batchSize, samples - first);
    feedRows(pack, xb, first, rows);
    feedRows(pack, ob, first, rows);
    pack.call(steps.predict);
    if (options.verbose == 1)
      bar.update(b + 1, empty, /*finalize=*/false);
  }
  bar.update(numSteps, empty, /*finalize=*/true);
  return result;
}

} // namespace kiln::train
