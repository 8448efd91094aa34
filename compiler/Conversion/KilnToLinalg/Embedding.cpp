//===- Embedding.cpp - kiln.embedding and its adjoint ---------------------===//
//
// The lookup is a parallel linalg.generic over the output whose body reads
// the table with tensor.extract at the (clamped) id. Its adjoint scatters:
// one sequential scf.for over the ids adds each row of dy into the row of
// its id, updating one tensor in place after bufferization.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

/// The row an id selects, clamped to [0, rows), as an index.
Value rowOf(OpBuilder &b, Location loc, Value id, Value table) {
  Value i = labelToI64(b, loc, id);
  Value rows = arith::IndexCastOp::create(
      b, loc, b.getI64Type(), tensor::DimOp::create(b, loc, table, 0));
  Value last = arith::SubIOp::create(b, loc, rows, i64Constant(b, loc, 1));
  i = arith::MaxSIOp::create(b, loc, i, i64Constant(b, loc, 0));
  i = arith::MinSIOp::create(b, loc, i, last);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
}

struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value ids = adaptor.getIds(), table = adaptor.getTable();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    Sizes sizes = sizesOf(rewriter, loc, ids);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    Value init = emptyTensor(rewriter, loc, sizesFor(type, sizes),
                             type.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<bool> dropLast(rank, false);
    dropLast.back() = true;
    SmallVector<AffineMap> maps = {projectionMap(ctx, dropLast),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{ids}, ValueRange{init}, maps,
        iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = rowOf(b, l, args[0], table);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          Value v = tensor::ExtractOp::create(b, l, table, ValueRange{row, col});
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct EmbeddingGradLowering : OpConversionPattern<EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value ids = adaptor.getIds(), dy = adaptor.getDy(), table = adaptor.getTable();
    auto idsType = cast<RankedTensorType>(ids.getType());
    // Ids flattened to (n), dy to (n, row length).
    if (idsType.getRank() != 1) {
      ReassociationIndices all =
          llvm::to_vector(llvm::seq<int64_t>(0, idsType.getRank()));
      ids = tensor::CollapseShapeOp::create(rewriter, loc, ids,
                                            ArrayRef<ReassociationIndices>{all});
      ReassociationIndices last = {idsType.getRank()};
      dy = tensor::CollapseShapeOp::create(
          rewriter, loc, dy, ArrayRef<ReassociationIndices>{all, last});
    }
    Type et = op.getType().getElementType();
    Value acc = filledTensor(rewriter, loc, sizesOf(rewriter, loc, table),
                             floatConstant(rewriter, loc, et, 0));
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value n = tensor::DimOp::create(rewriter, loc, ids, 0);
    Value width = tensor::DimOp::create(rewriter, loc, dy, 1);
    auto rows = scf::ForOp::create(
        rewriter, loc, zero, n, one, ValueRange{acc},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          Value id = tensor::ExtractOp::create(b, l, ids, ValueRange{i});
          Value row = rowOf(b, l, id, table);
          auto cols = scf::ForOp::create(
              b, l, zero, width, one, iter,
              [&](OpBuilder &b2, Location l2, Value k, ValueRange inner) {
                Value sum = tensor::ExtractOp::create(b2, l2, inner[0],
                                                      ValueRange{row, k});
                Value g = tensor::ExtractOp::create(b2, l2, dy, ValueRange{i, k});
                Value next = arith::AddFOp::create(b2, l2, sum, g);
                scf::YieldOp::create(
                    b2, l2,
                    ValueRange{tensor::InsertOp::create(b2, l2, next, inner[0],
                                                        ValueRange{row, k})
                                   .getResult()});
              });
          scf::YieldOp::create(b, l, cols.getResults());
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, rows.getResult(0), op.getType()));
    return success();
  }
};

} // namespace

void populateEmbeddingPatterns(RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, EmbeddingGradLowering>(patterns.getContext());
}

} // namespace kiln::lowering
