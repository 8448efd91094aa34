// Tests that ops built from C++ infer their result types, so the frontend
// never computes a shape itself, and that bad shapes are refused.
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include <gtest/gtest.h>

using namespace mlir;
using namespace kiln;

namespace {
class OpBuilders : public ::testing::Test {
protected:
  OpBuilders() : builder(&ctx) {
    ctx.loadDialect<KilnDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }
  RankedTensorType t(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }
  /// A block argument of the given type, to feed ops with.
  Value arg(Type type) {
    if (!block) {
      auto fn = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                     builder.getFunctionType({}, {}));
      block = fn.addEntryBlock();
      builder.setInsertionPointToStart(block);
    }
    return block->addArgument(type, builder.getUnknownLoc());
  }
  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  Block *block = nullptr;
};
} // namespace

TEST_F(OpBuilders, DenseInfersBatchAndUnits) {
  int64_t dyn = ShapedType::kDynamic;
  Value x = arg(t({dyn, 784})), w = arg(t({784, 300})), b = arg(t({300}));
  auto dense = DenseOp::create(builder, builder.getUnknownLoc(), x, w, b);
  EXPECT_EQ(dense.getType(), t({dyn, 300}));
  EXPECT_TRUE(succeeded(verify(dense)));
}

TEST_F(OpBuilders, Conv2DAndPoolInferSpatialSizes) {
  int64_t dyn = ShapedType::kDynamic;
  Value x = arg(t({dyn, 28, 28, 1})), k = arg(t({3, 3, 1, 32}));
  auto conv = Conv2DOp::create(builder, builder.getUnknownLoc(), x, k, Value(),
                               builder.getDenseI64ArrayAttr({1, 1}),
                               Padding::valid);
  EXPECT_EQ(conv.getType(), t({dyn, 26, 26, 32}));
  auto pool = MaxPool2DOp::create(builder, builder.getUnknownLoc(), conv,
                                  builder.getDenseI64ArrayAttr({2, 2}),
                                  builder.getDenseI64ArrayAttr({2, 2}),
                                  Padding::valid);
  EXPECT_EQ(pool.getType(), t({dyn, 13, 13, 32}));
}

TEST_F(OpBuilders, LossesAreScalars) {
  int64_t dyn = ShapedType::kDynamic;
  Value labels = arg(RankedTensorType::get({dyn}, builder.getI32Type()));
  Value p = arg(t({dyn, 10}));
  auto loss = SparseCategoricalCrossentropyOp::create(
      builder, builder.getUnknownLoc(), labels, p, /*from_logits=*/false,
      /*epsilon=*/FloatAttr());
  EXPECT_EQ(loss.getType(), t({}));
}

TEST_F(OpBuilders, IncompatibleShapesAreRefusedWithAMessage) {
  Value x = arg(t({4, 784})), w = arg(t({780, 300}));
  std::string message;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  SmallVector<Type> types;
  DenseOp::Adaptor adaptor({x, w}, {});
  EXPECT_TRUE(failed(DenseOp::inferReturnTypes(&ctx, builder.getUnknownLoc(),
                                               adaptor, types)));
  EXPECT_NE(message.find("input has 784 features but the kernel expects 780"),
            std::string::npos)
      << message;
}
