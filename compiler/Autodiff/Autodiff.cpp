//===- Autodiff.cpp - Reverse-mode automatic differentiation --------------===//
// Placeholder: the autodiff work replaces this file.
#include "compiler/Autodiff/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNAUTODIFFPASS
#include "compiler/Autodiff/Passes.h.inc"
} // namespace kiln

namespace {
struct KilnAutodiffPass
    : public kiln::impl::KilnAutodiffPassBase<KilnAutodiffPass> {
  void runOnOperation() override {}
};
} // namespace
