//===- GradientTestUtil.h - Building gradient test cases --------*- C++ -*-===//
#ifndef KILN_TEST_UNIT_COMPILER_GRADIENTTESTUTIL_H
#define KILN_TEST_UNIT_COMPILER_GRADIENTTESTUTIL_H

#include "GradientCheck.h"

namespace kiln::test {

/// Fresh random inputs for one test, never zeros: a fixed seed per test
/// name keeps failures reproducible.
class Inputs {
public:
  explicit Inputs(unsigned seed) : rng(seed) {}
  Arg param(std::string name, std::vector<int64_t> shape, float lo = -1,
            float hi = 1) {
    Arg a{std::move(name), shape, {}, true};
    a.values = uniform(rng, count(shape), lo, hi);
    return a;
  }
  Arg constant(std::string name, std::vector<int64_t> shape, float lo = -1,
               float hi = 1) {
    Arg a = param(std::move(name), std::move(shape), lo, hi);
    a.trainable = false;
    return a;
  }
  /// Values at least `gap` apart (a shuffled grid): max/relu kinks and ties
  /// stay farther than the finite-difference step from every input.
  Arg separated(std::string name, std::vector<int64_t> shape, float gap) {
    Arg a{std::move(name), shape, {}, true};
    size_t n = count(shape);
    for (size_t i = 0; i < n; ++i)
      a.values.push_back(gap * (float(i) - float(n) / 2) + gap / 2);
    std::shuffle(a.values.begin(), a.values.end(), rng);
    return a;
  }
  Arg labels(std::string name, std::vector<int64_t> shape, int classes) {
    Arg a{std::move(name), shape, {}, false, "i32"};
    std::uniform_int_distribution<int> d(0, classes - 1);
    for (size_t i = 0; i < count(shape); ++i)
      a.values.push_back(float(d(rng)));
    return a;
  }
  static size_t count(const std::vector<int64_t> &shape) {
    size_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  std::mt19937 rng;
};

/// A body line that reduces `value` of type `type` (rank `rank`) weighted by
/// the constant argument %r into %loss: sum(value * r). Weighting by random r
/// makes every output element matter with a different coefficient.
inline std::string weightedSum(const std::string &value, const std::string &type,
                               int rank) {
  std::string axes;
  for (int i = 0; i < rank; ++i)
    axes += (i ? ", " : "") + std::to_string(i);
  return "  %weighted = kiln.mul " + value + ", %r : " + type + ", " + type +
         "\n  %loss = kiln.reduce_sum %weighted axes = [" + axes + "] : " +
         type;
}

} // namespace kiln::test

#endif // KILN_TEST_UNIT_COMPILER_GRADIENTTESTUTIL_H
