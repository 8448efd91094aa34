// The data adapter: validation and conversion of x and y, done once per
// call, and the prologue shared by fit, evaluate and predict.
#include "runtime/train/DataAdapter.h"

#include "runtime/train/Format.h"

#include <cmath>

namespace kiln::train::detail {

namespace {

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
                const std::string &what, bool labels, int64_t classes) const {
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
    if (labels && isInteger(dtype) && classes > 0) {
      for (int64_t i = 0; i < data.size(); ++i) {
        double v = elementAsDouble(data, i);
        if (v < 0 || v >= static_cast<double>(classes))
          throwError(caller, ": ", what, ": label ", static_cast<int64_t>(v),
                     " at index ", i, " is out of range for ", classes,
                     " classes (labels must be in [0, ", classes, "))");
      }
    }
    return Array::of(data.dtype() == dtype ? data : data.astype(dtype));
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
      int64_t classes = labels && i < sig.sparseLabelClasses.size()
                            ? sig.sparseLabelClasses[i]
                            : 0;
      out.push_back(prepare(tensors[i], shapes[i], dtype,
                            name(prefix, what, i, tensors.size()), labels,
                            classes));
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

} // namespace

Array Array::of(Tensor t) {
  Array a;
  a.data = std::move(t);
  a.rowBytes = a.samples() ? a.data.nbytes() / static_cast<size_t>(a.samples())
                           : 0;
  return a;
}

Dataset adaptData(const char *caller, const abi::StepSignature &sig,
                  const std::vector<Tensor> &x, const std::vector<Tensor> *y,
                  const std::string &prefix) {
  Validator check{caller, sig};
  Dataset d;
  d.x = check.prepareAll(x, sig.inputs, sig.inputTypes, prefix, "x", "input",
                         /*labels=*/false);
  if (y)
    d.y = check.prepareAll(*y, sig.targets, sig.targetTypes, prefix, "y",
                           "target", /*labels=*/true);
  d.samples = check.checkSamples(d.x, d.y, prefix);
  return d;
}

void prologueChecks(const EntryPoint &entry, const abi::CompiledSteps &steps,
                    const ModelState &state, int64_t batchSize, int verbose,
                    const std::function<void()> &moreChecks) {
  const char *caller = entry.caller;
  if (!entry.step)
    throwError(caller, ": the compiled model has no ", entry.stepName);
  checkSignature(steps.signature, caller, entry.needsResults,
                 /*needsOutputs=*/!entry.needsResults);
  state.checkCompatible(steps.signature, caller, entry.checkSlots);
  if (batchSize <= 0)
    throwError(caller, ": batch_size must be positive, got ", batchSize);
  if (verbose < 0 || verbose > 2)
    throwError(caller, ": verbose must be 0, 1 or 2, got ", verbose);
  if (moreChecks)
    moreChecks();
}

Dataset prologue(const EntryPoint &entry, const abi::CompiledSteps &steps,
                 const ModelState &state, const std::vector<Tensor> &x,
                 const std::vector<Tensor> *y, int64_t batchSize, int verbose,
                 const std::function<void()> &moreChecks) {
  prologueChecks(entry, steps, state, batchSize, verbose, moreChecks);
  return adaptData(entry.caller, steps.signature, x, y);
}

} // namespace kiln::train::detail
