//===- GpuMma.h - A warp's TF32 matrix multiply-add on tensor cores -*- C++ -*-===//
//
// mma.sync.m16n8k8 with TF32 operands and FP32 accumulators (sm_80 and
// later): the 32 lanes of a warp together add a 16x8 (A) by 8x8 (B) product
// to a 16x8 accumulator tile. Each lane holds four of A's elements, two of
// B's and four accumulators; which ones is PTX's fragment layout, taken from
// upstream's nvgpu MMA utilities. The emulated form gives the same result
// on the CPU by gathering every lane's fragments, for tests without a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_GPUMMA_H
#define KILN_COMPILER_CODEGEN_GPUMMA_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

#include <array>

namespace kiln {

class Tf32Mma {
public:
  static constexpr int64_t kM = 16, kN = 8, kK = 8;
  static constexpr int64_t kARegs = 4, kBRegs = 2, kCRegs = 4;
  static constexpr int64_t kWarp = 32;

  explicit Tf32Mma(mlir::MLIRContext *ctx);

  /// The (row, column) of the element a lane's fragment value `reg` is:
  /// A's as (m, k), B's as (n, k), the accumulators' as (m, n).
  std::array<mlir::Value, 2> a(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value lane, int64_t reg) const;
  std::array<mlir::Value, 2> bOperand(mlir::OpBuilder &b, mlir::Location loc,
                                      mlir::Value lane, int64_t reg) const;
  std::array<mlir::Value, 2> c(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value lane, int64_t reg) const;

  /// `x` (f32) as the multiply takes it, rounded to TF32 (to nearest, ties
  /// away from zero): its bits as i32 for the GPU, as f32 when emulated.
  mlir::Value operand(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      bool emulate) const;

  /// nvvm.mma.sync: the lane's accumulators after adding the product.
  llvm::SmallVector<mlir::Value> sync(mlir::OpBuilder &b, mlir::Location loc,
                                      mlir::ValueRange aRegs,
                                      mlir::ValueRange bRegs,
                                      mlir::ValueRange cRegs) const;

  /// The same on the CPU for the lane `lane`: `loadA(lane', reg)` and
  /// `loadB` give any lane's fragment values (as `operand` gave them);
  /// `scratchA` (16x8) and `scratchB` (8x8) f32 buffers hold the warp's.
  using Loader = llvm::function_ref<mlir::Value(mlir::Value lane, int64_t reg)>;
  llvm::SmallVector<mlir::Value>
  emulated(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lane,
           Loader loadA, Loader loadB, mlir::ValueRange cRegs,
           mlir::Value scratchA, mlir::Value scratchB) const;

private:
  mlir::AffineMap aMap, bMap, cMap; // (lane, value) -> (row, column)
};

} // namespace kiln

#endif // KILN_COMPILER_CODEGEN_GPUMMA_H
