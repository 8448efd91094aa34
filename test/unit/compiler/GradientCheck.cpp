//===- GradientCheck.cpp - Compiled gradients vs finite differences -------===//
#include "GradientCheck.h"

#include <cmath>
#include <gtest/gtest.h>
#include <sstream>

namespace kiln::test {

static std::vector<int64_t> declared(const Arg &a) {
  std::vector<int64_t> s = a.shape;
  if (a.dynamicBatch && !s.empty())
    s[0] = -1;
  return s;
}

static std::string buildSource(const std::string &body,
                               const std::vector<Arg> &args) {
  std::ostringstream os;
  auto tensorT = [](const Arg &a) { return typeString("tensor", declared(a), a.element); };
  auto memrefT = [](const Arg &a) { return typeString("memref", declared(a), a.element); };
  std::vector<const Arg *> trainable;
  for (const Arg &a : args)
    if (a.trainable)
      trainable.push_back(&a);

  os << "func.func private @loss(";
  for (size_t i = 0; i < args.size(); ++i)
    os << (i ? ", " : "") << "%" << args[i].name << ": " << tensorT(args[i])
       << (args[i].trainable ? " {kiln.trainable}" : "");
  os << ") -> tensor<f32> {\n" << body << "\n  return %loss : tensor<f32>\n}\n";

  auto header = [&](const char *name, bool withGrads) {
    os << "func.func @" << name << "(";
    for (const Arg &a : args)
      os << "%m_" << a.name << ": " << memrefT(a) << ", ";
    os << "%out: memref<1xf32>";
    if (withGrads)
      for (const Arg *a : trainable)
        os << ", %d_" << a->name << ": " << memrefT(*a);
    os << ") attributes {llvm.emit_c_interface} {\n";
    for (const Arg &a : args)
      os << "  %t_" << a.name << " = bufferization.to_tensor %m_" << a.name
         << " restrict : " << memrefT(a) << " to " << tensorT(a) << "\n";
  };
  auto operands = [&] {
    std::string s;
    for (size_t i = 0; i < args.size(); ++i)
      s += (i ? ", %t_" : "%t_") + args[i].name;
    return s;
  };
  auto operandTypes = [&] {
    std::string s;
    for (size_t i = 0; i < args.size(); ++i)
      s += (i ? ", " : "") + tensorT(args[i]);
    return s;
  };
  auto storeLoss = [&](const std::string &v) {
    os << "  %e = tensor.extract " << v << "[] : tensor<f32>\n"
       << "  %c0 = arith.constant 0 : index\n"
       << "  memref.store %e, %out[%c0] : memref<1xf32>\n";
  };

  header("value", false);
  os << "  %l = call @loss(" << operands() << ") : (" << operandTypes()
     << ") -> tensor<f32>\n";
  storeLoss("%l");
  os << "  return\n}\n";

  header("grad", true);
  os << "  %r:" << trainable.size() + 1 << " = kiln.value_and_grad @loss("
     << operands() << ") : (" << operandTypes() << ") -> (tensor<f32>";
  for (const Arg *a : trainable)
    os << ", " << tensorT(*a);
  os << ")\n";
  storeLoss("%r#0");
  for (size_t k = 0; k < trainable.size(); ++k)
    os << "  bufferization.materialize_in_destination %r#" << k + 1
       << " in restrict writable %d_" << trainable[k]->name << " : ("
       << tensorT(*trainable[k]) << ", " << memrefT(*trainable[k]) << ") -> ()\n";
  os << "  return\n}\n";
  return os.str();
}

static HostBuffer toBuffer(const Arg &a) {
  if (std::string(a.element) == "i32") {
    std::vector<int32_t> ints(a.values.begin(), a.values.end());
    return HostBuffer::ints(a.shape, ints);
  }
  return HostBuffer(a.shape, a.values);
}

void checkGradient(const std::string &body, std::vector<Arg> args,
                   Tolerance tol) {
  std::string source = buildSource(body, args);
  auto jit = compileKiln(source);
  ASSERT_TRUE(jit);
  auto value = jit->lookup("value");
  auto grad = jit->lookup("grad");
  ASSERT_TRUE(bool(value) && bool(grad));

  std::vector<HostBuffer> inputs;
  for (const Arg &a : args)
    inputs.push_back(toBuffer(a));
  HostBuffer out = HostBuffer::zeros({1});
  auto evaluate = [&] {
    std::vector<HostBuffer *> ptrs;
    for (HostBuffer &b : inputs)
      ptrs.push_back(&b);
    ptrs.push_back(&out);
    call(*value, ptrs);
    return (double)out.f32()[0];
  };

  std::vector<HostBuffer> grads;
  std::vector<size_t> trainableIndex;
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].trainable) {
      grads.push_back(HostBuffer::zeros(args[i].shape));
      trainableIndex.push_back(i);
    }
  {
    std::vector<HostBuffer *> ptrs;
    for (HostBuffer &b : inputs)
      ptrs.push_back(&b);
    ptrs.push_back(&out);
    for (HostBuffer &g : grads)
      ptrs.push_back(&g);
    call(*grad, ptrs);
  }
  double loss = out.f32()[0];
  ASSERT_TRUE(std::isfinite(loss)) << source;
  EXPECT_NEAR(loss, evaluate(), 1e-5 * (1 + std::abs(loss)))
      << "value_and_grad's loss differs from the plain loss";

  for (size_t k = 0; k < trainableIndex.size(); ++k) {
    HostBuffer &in = inputs[trainableIndex[k]];
    const std::string &name = args[trainableIndex[k]].name;
    int64_t n = in.numElements();
    // Large tensors: check a strided sample of elements.
    int64_t stride = n > 96 ? n / 96 + 1 : 1;
    bool anyNonZero = false;
    for (int64_t i = 0; i < n; i += stride) {
      float saved = in.f32()[i];
      in.f32()[i] = saved + (float)tol.step;
      double up = evaluate();
      in.f32()[i] = saved - (float)tol.step;
      double down = evaluate();
      in.f32()[i] = saved;
      double fd = (up - down) / (2 * tol.step);
      double ad = grads[k].f32()[i];
      anyNonZero |= std::abs(ad) > 1e-6;
      EXPECT_LE(std::abs(ad - fd), tol.atol + tol.rtol * std::abs(fd))
          << "d loss / d " << name << "[" << i << "]: autodiff " << ad
          << " vs finite difference " << fd;
    }
    EXPECT_TRUE(anyNonZero) << "gradient of " << name << " is all zeros";
  }
}

} // namespace kiln::test
