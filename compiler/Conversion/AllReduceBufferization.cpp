//===- AllReduceBufferization.cpp - kiln.all_reduce on its buffer ---------===//
//
// kiln.all_reduce bufferizes in place: its result is its operand's buffer,
// which the runtime combines across the replicas. It becomes
//   call @kiln_all_reduce_f32(%buffer, %mode)
//       : (memref<?xf32, strided<[?], offset: ?>>, i32) -> ()
// whose C signature is the expanded memref descriptor (runtime/dist).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/Passes.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace kiln {
namespace {

constexpr StringLiteral kAllReduceFn = "kiln_all_reduce_f32";

struct AllReduceBufferization
    : BufferizableOpInterface::ExternalModel<AllReduceBufferization,
                                            AllReduceOp> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &,
                              const AnalysisState &) const {
    return true;
  }
  bool bufferizesToMemoryWrite(Operation *, OpOperand &,
                               const AnalysisState &) const {
    return true;
  }
  AliasingValueList getAliasingValues(Operation *op, OpOperand &,
                                      const AnalysisState &) const {
    return {{op->getResult(0), BufferRelation::Equivalent}};
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto reduce = cast<AllReduceOp>(op);
    FailureOr<Value> buffer =
        getBuffer(rewriter, reduce.getInput(), options, state);
    if (failed(buffer))
      return failure();
    auto module = op->getParentOfType<ModuleOp>();
    MLIRContext *ctx = op->getContext();
    Type f32 = Float32Type::get(ctx);
    auto anyLayout = MemRefType::get(
        {ShapedType::kDynamic}, f32,
        StridedLayoutAttr::get(ctx, ShapedType::kDynamic, {ShapedType::kDynamic}));
    auto fnType = rewriter.getFunctionType({anyLayout, rewriter.getI32Type()}, {});
    auto fn = module.lookupSymbol<func::FuncOp>(kAllReduceFn);
    if (!fn) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToEnd(module.getBody());
      fn = func::FuncOp::create(rewriter, module.getLoc(), kAllReduceFn, fnType);
      fn.setPrivate();
    }
    Location loc = op->getLoc();
    Value cast = memref::CastOp::create(rewriter, loc, anyLayout, *buffer);
    Value mode = arith::ConstantIntOp::create(
        rewriter, loc, rewriter.getI32Type(), int64_t(reduce.getMode()));
    func::CallOp::create(rewriter, loc, fn, ValueRange{cast, mode});
    replaceOpWithBufferizedValues(rewriter, op, *buffer);
    return success();
  }
};

} // namespace

void registerAllReduceBufferization(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    AllReduceOp::attachInterface<AllReduceBufferization>(*ctx);
  });
}

} // namespace kiln
