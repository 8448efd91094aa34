//===- Layers.cpp - Gradients of dense, matmul, conv2d and max_pool2d -----===//
//
// Products are differentiated into products that read their operands
// transposed through matmul's transpose_lhs / transpose_rhs flags, so no
// transpose is ever materialized. Window ops use their dedicated gradient
// ops, which lower to the transposed convolution and the arg-max routing.
//
//===----------------------------------------------------------------------===//
#include "compiler/Autodiff/Gradients/Gradients.h"

#include "llvm/ADT/Sequence.h"

using namespace mlir;

namespace kiln::grad {
namespace {

/// y = x . W + b with x of shape (..., in): leading dimensions are flattened
/// so that both products are plain 2-D matmuls:
///   dx = dy . W^T   (matmul transpose_rhs, reshaped back to x's shape)
///   dW = x^T . dy   (matmul transpose_lhs)
///   db = sum of dy over all but the last axis.
struct DenseGradient
    : GradientOpInterface::ExternalModel<DenseGradient, DenseOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto dense = cast<DenseOp>(op);
    Location loc = op->getLoc();
    Value x = dense.getInput(), w = dense.getKernel();
    Value dy2 = flattenLeading(b, loc, dys[0]);
    Value x2 = flattenLeading(b, loc, x);

    Value dx2 = MatmulOp::create(b, loc, dy2, w, /*transpose_lhs=*/false,
                                 /*transpose_rhs=*/true);
    dxs.push_back(unflattenLike(b, loc, dx2, x));
    Value dw = MatmulOp::create(b, loc, x2, dy2, /*transpose_lhs=*/true,
                                /*transpose_rhs=*/false);
    dxs.push_back(castTo(b, loc, dw, w.getType()));
    if (Value bias = dense.getBias()) {
      int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
      auto axes = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
      Value db = ReduceSumOp::create(b, loc, dys[0], axes);
      dxs.push_back(castTo(b, loc, db, bias.getType()));
    }
    return success();
  }
};

/// C = op(A) . op(B), op = identity or transpose (also batched):
///              dA                    dB
///   A.B        dC.B^T                A^T.dC
///   A^T.B      B.dC^T                A.dC
///   A.B^T      dC.B                  dC^T.A
///   A^T.B^T    B^T.dC^T              dC^T.A^T
struct MatmulGradient
    : GradientOpInterface::ExternalModel<MatmulGradient, MatmulOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto mm = cast<MatmulOp>(op);
    Location loc = op->getLoc();
    Value a = mm.getLhs(), bv = mm.getRhs(), dc = dys[0];
    bool tl = mm.getTransposeLhs(), tr = mm.getTransposeRhs();
    Value da, db;
    if (!tl && !tr) {
      da = MatmulOp::create(b, loc, dc, bv, false, true);
      db = MatmulOp::create(b, loc, a, dc, true, false);
    } else if (tl && !tr) {
      da = MatmulOp::create(b, loc, bv, dc, false, true);
      db = MatmulOp::create(b, loc, a, dc, false, false);
    } else if (!tl && tr) {
      da = MatmulOp::create(b, loc, dc, bv, false, false);
      db = MatmulOp::create(b, loc, dc, a, true, false);
    } else {
      da = MatmulOp::create(b, loc, bv, dc, true, true);
      db = MatmulOp::create(b, loc, dc, a, true, true);
    }
    dxs.push_back(castTo(b, loc, da, a.getType()));
    dxs.push_back(castTo(b, loc, db, bv.getType()));
    return success();
  }
};

/// Input: the transposed convolution; kernel: input windows times dy summed
/// over batch and positions; bias: dy summed over N, H and W.
struct Conv2DGradient
    : GradientOpInterface::ExternalModel<Conv2DGradient, Conv2DOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto conv = cast<Conv2DOp>(op);
    Location loc = op->getLoc();
    Value x = conv.getInput(), k = conv.getKernel(), dy = dys[0];
    dxs.push_back(Conv2DInputGradOp::create(b, loc, x.getType(), dy, k,
                                            conv.getStridesAttr(),
                                            conv.getPaddingAttr()));
    dxs.push_back(Conv2DKernelGradOp::create(b, loc, k.getType(), x, dy,
                                             conv.getStridesAttr(),
                                             conv.getPaddingAttr()));
    if (Value bias = conv.getBias()) {
      Value db = ReduceSumOp::create(b, loc, dy, ArrayRef<int64_t>{0, 1, 2});
      dxs.push_back(castTo(b, loc, db, bias.getType()));
    }
    return success();
  }
};

/// Each window's adjoint goes to its arg-max.
struct MaxPool2DGradient
    : GradientOpInterface::ExternalModel<MaxPool2DGradient, MaxPool2DOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto pool = cast<MaxPool2DOp>(op);
    Location loc = op->getLoc();
    Value dx = MaxPool2DGradOp::create(
        b, loc, dys[0], pool.getInput(), pool.getPoolSizeAttr(),
        pool.getStridesAttr(), pool.getPaddingAttr());
    dxs.push_back(castTo(b, loc, dx, pool.getInput().getType()));
    return success();
  }
};

/// The table's adjoint sums dy's rows by id; ids get none.
struct EmbeddingGradient
    : GradientOpInterface::ExternalModel<EmbeddingGradient, EmbeddingOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange dys,
                         SmallVectorImpl<Value> &dxs) const {
    auto emb = cast<EmbeddingOp>(op);
    dxs.push_back(Value());
    dxs.push_back(EmbeddingGradOp::create(b, op->getLoc(), emb.getIds(),
                                          dys[0], emb.getTable()));
    return success();
  }
};

} // namespace

void registerLayerGradients(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    DenseOp::attachInterface<DenseGradient>(*ctx);
    MatmulOp::attachInterface<MatmulGradient>(*ctx);
    Conv2DOp::attachInterface<Conv2DGradient>(*ctx);
    MaxPool2DOp::attachInterface<MaxPool2DGradient>(*ctx);
    EmbeddingOp::attachInterface<EmbeddingGradient>(*ctx);
  });
}

} // namespace kiln::grad
