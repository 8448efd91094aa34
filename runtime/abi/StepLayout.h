// The argument layout of compiled steps, defined once.
//
// A step takes its arguments as consecutive segments, one per role: all
// parameters, then all optimizer slots, and so on. kiln-make-steps builds
// each step from the layouts below and records the layout on the step
// function (`kiln.step_layout`, compiler/Transforms/StepLayoutAttr.h);
// compileToJit reads it back (and the compile cache keeps it), and the
// runtime binds arguments by role through offset() after checking every
// role's count against the model (StepArgs). The runtime computes no
// argument index of its own (benchmarks and tests that call a step directly
// spell its arguments out).
//
// Header-only and exception-free: the compiler (built without exceptions)
// includes it too.
#ifndef KILN_RUNTIME_ABI_STEPLAYOUT_H
#define KILN_RUNTIME_ABI_STEPLAYOUT_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln::abi {

/// What a run of step arguments holds. Every argument is a memref.
enum class ArgRole : uint8_t {
  Param,        ///< a model parameter (f32), trainable or not
  Slot,         ///< an optimizer state buffer, slot-major (see slotIndex)
  Iterations,   ///< the optimizer's step counter, 0-d i64
  LearningRate, ///< the learning rate, 0-d f32, read each step
  Input,        ///< a batch of a model input (leading dimension dynamic)
  Target,       ///< a batch of a target
  Output,       ///< a batch of a model output, written by predict_step
  Results,      ///< one f32 per loss/metric result of the batch
};

/// The role's name in `#kiln.step_layout` and in messages.
inline const char *roleName(ArgRole role) {
  switch (role) {
  case ArgRole::Param:
    return "params";
  case ArgRole::Slot:
    return "slots";
  case ArgRole::Iterations:
    return "iterations";
  case ArgRole::LearningRate:
    return "learning_rate";
  case ArgRole::Input:
    return "inputs";
  case ArgRole::Target:
    return "targets";
  case ArgRole::Output:
    return "outputs";
  case ArgRole::Results:
    return "results";
  }
  return "?";
}

struct StepLayout {
  struct Segment {
    ArgRole role;
    size_t count;
    bool operator==(const Segment &o) const {
      return role == o.role && count == o.count;
    }
  };
  /// In argument order; a role appears at most once.
  std::vector<Segment> segments;

  /// train_step(params..., slots..., iterations, learning_rate,
  ///            inputs..., targets..., results): `slots` is the number of
  ///            slot buffers, slots per trainable parameter times
  ///            trainables.
  static StepLayout train(size_t params, size_t slots, size_t inputs,
                          size_t targets) {
    return {{{ArgRole::Param, params},
             {ArgRole::Slot, slots},
             {ArgRole::Iterations, 1},
             {ArgRole::LearningRate, 1},
             {ArgRole::Input, inputs},
             {ArgRole::Target, targets},
             {ArgRole::Results, 1}}};
  }
  /// eval_step(params..., inputs..., targets..., results)
  static StepLayout eval(size_t params, size_t inputs, size_t targets) {
    return {{{ArgRole::Param, params},
             {ArgRole::Input, inputs},
             {ArgRole::Target, targets},
             {ArgRole::Results, 1}}};
  }
  /// predict_step(params..., inputs..., outputs...)
  static StepLayout predict(size_t params, size_t inputs, size_t outputs) {
    return {{{ArgRole::Param, params},
             {ArgRole::Input, inputs},
             {ArgRole::Output, outputs}}};
  }

  /// The number of arguments.
  size_t size() const {
    size_t n = 0;
    for (const Segment &s : segments)
      n += s.count;
    return n;
  }
  /// The arguments of `role`; 0 when the step has none.
  size_t count(ArgRole role) const {
    for (const Segment &s : segments)
      if (s.role == role)
        return s.count;
    return 0;
  }
  bool has(ArgRole role) const {
    for (const Segment &s : segments)
      if (s.role == role)
        return true;
    return false;
  }
  /// The index of argument `i` of `role` (i < count(role)); size() when the
  /// step has no such argument.
  size_t offset(ArgRole role, size_t i = 0) const {
    size_t first = 0;
    for (const Segment &s : segments) {
      if (s.role == role)
        return i < s.count ? first + i : size();
      first += s.count;
    }
    return size();
  }
  /// The position of slot `slot` of trainable parameter `k` among the slot
  /// arguments: slot-major (every parameter's first slot, then the second).
  static size_t slotIndex(size_t slot, size_t k, size_t numTrainable) {
    return slot * numTrainable + k;
  }

  bool operator==(const StepLayout &o) const { return segments == o.segments; }
  bool operator!=(const StepLayout &o) const { return !(*this == o); }
};

/// The layouts of a model's three steps.
struct StepLayouts {
  StepLayout train, eval, predict;
};

} // namespace kiln::abi

#endif // KILN_RUNTIME_ABI_STEPLAYOUT_H
