//===- KilnToLinalg.cpp - kiln to linalg on tensors -----------------------===//
// Placeholder: the conversion work replaces this file.
#include "compiler/Conversion/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"
} // namespace kiln

namespace {
struct KilnToLinalgPass
    : public kiln::impl::KilnToLinalgPassBase<KilnToLinalgPass> {
  void runOnOperation() override {}
};
} // namespace
