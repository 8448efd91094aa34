//===- GpuMma.cpp - A warp's TF32 matrix multiply-add on tensor cores -----===//
#include "compiler/Codegen/GpuMma.h"
#include "compiler/Codegen/Indexing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/Utils/MMAUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/Support/ErrorHandling.h"

#include <limits>

using namespace mlir;

namespace kiln {
namespace {

AffineMap fragmentMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                      nvgpu::MatMulOperandRole role) {
  OpBuilder b(ctx);
  FailureOr<AffineMap> map = nvgpu::getLaneIdAndValueIdToOperandCoord(
      b, b.getUnknownLoc(),
      nvgpu::WarpMatrixInfo{VectorType::get(shape, Float32Type::get(ctx)),
                            role});
  if (failed(map))
    llvm::report_fatal_error("nvgpu has no mma.sync fragment layout for f32");
  return *map;
}

std::array<Value, 2> at(OpBuilder &b, Location loc, AffineMap map, Value lane,
                        int64_t reg) {
  SmallVector<Value> rc = applyMap(
      b, loc, map, {lane, arith::ConstantIndexOp::create(b, loc, reg)});
  return {rc[0], rc[1]};
}

} // namespace

Tf32Mma::Tf32Mma(MLIRContext *ctx)
    // B is (n, k): the layout's "col" operand, as upstream's mma.sync path
    // takes it.
    : aMap(fragmentMap(ctx, {kM, kK}, nvgpu::MatMulOperandRole::A)),
      bMap(fragmentMap(ctx, {kN, kK}, nvgpu::MatMulOperandRole::B)),
      cMap(fragmentMap(ctx, {kM, kN}, nvgpu::MatMulOperandRole::C)) {}

std::array<Value, 2> Tf32Mma::a(OpBuilder &b, Location loc, Value lane,
                                int64_t reg) const {
  return at(b, loc, aMap, lane, reg);
}
std::array<Value, 2> Tf32Mma::bOperand(OpBuilder &b, Location loc, Value lane,
                                       int64_t reg) const {
  return at(b, loc, bMap, lane, reg);
}
std::array<Value, 2> Tf32Mma::c(OpBuilder &b, Location loc, Value lane,
                                int64_t reg) const {
  return at(b, loc, cMap, lane, reg);
}

Value Tf32Mma::operand(OpBuilder &b, Location loc, Value x,
                       bool emulate) const {
  Type i32 = b.getI32Type();
  if (!emulate)
    return NVVM::ConvertFloatToTF32Op::create(b, loc, i32, x,
                                              NVVM::FPRoundingMode::RNA);
  // TF32 keeps f32's exponent and the top 10 of its 23 mantissa bits:
  // adding half of the 13 dropped bits' unit to the magnitude and clearing
  // them rounds to nearest, ties away from zero, as cvt.rna.tf32.f32 does.
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  bits = arith::AddIOp::create(
      b, loc, bits, arith::ConstantIntOp::create(b, loc, i32, 0x1000));
  bits = arith::AndIOp::create(
      b, loc, bits,
      arith::ConstantIntOp::create(b, loc, i32, int32_t(0xFFFFE000u)));
  return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
}

SmallVector<Value> Tf32Mma::sync(OpBuilder &b, Location loc, ValueRange aRegs,
                                 ValueRange bRegs, ValueRange cRegs) const {
  Type f32 = b.getF32Type();
  Type result =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  auto mma = NVVM::MmaOp::create(
      b, loc, result, aRegs, bRegs, cRegs, ArrayRef<int64_t>{kM, kN, kK},
      /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::tf32,
                                    NVVM::MMATypes::tf32},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> d;
  for (int64_t i = 0; i < kCRegs; ++i)
    d.push_back(LLVM::ExtractValueOp::create(b, loc, mma, i));
  return d;
}

SmallVector<Value> Tf32Mma::emulated(OpBuilder &b, Location loc, Value lane,
                                     Loader loadA, Loader loadB,
                                     ValueRange cRegs, Value scratchA,
                                     Value scratchB) const {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  // NaN first, so an element no lane holds shows in the result.
  Value nan = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN()));
  linalg::FillOp::create(b, loc, nan, scratchA);
  linalg::FillOp::create(b, loc, nan, scratchB);
  {
    // The warp's registers, lane by lane, into A (m, k) and B (n, k).
    auto lanes = scf::ForOp::create(b, loc, cst(0), cst(kWarp), cst(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(lanes.getBody());
    Value other = lanes.getInductionVar();
    for (int64_t reg = 0; reg < kARegs; ++reg) {
      auto [row, col] = a(b, loc, other, reg);
      memref::StoreOp::create(b, loc, loadA(other, reg), scratchA,
                              ValueRange{row, col});
    }
    for (int64_t reg = 0; reg < kBRegs; ++reg) {
      auto [row, col] = bOperand(b, loc, other, reg);
      memref::StoreOp::create(b, loc, loadB(other, reg), scratchB,
                              ValueRange{row, col});
    }
  }
  auto contract = arith::FastMathFlagsAttr::get(b.getContext(),
                                                arith::FastMathFlags::contract);
  SmallVector<Value> d;
  for (int64_t reg = 0; reg < kCRegs; ++reg) {
    auto [row, col] = c(b, loc, lane, reg);
    Value sum = cRegs[reg];
    for (int64_t k = 0; k < kK; ++k) {
      Value x = memref::LoadOp::create(b, loc, scratchA, ValueRange{row, cst(k)});
      Value y = memref::LoadOp::create(b, loc, scratchB, ValueRange{col, cst(k)});
      sum = arith::AddFOp::create(
          b, loc, sum, arith::MulFOp::create(b, loc, x, y, contract), contract);
    }
    d.push_back(sum);
  }
  return d;
}

} // namespace kiln
