// Tests the shape rules shared by the ops, the lowering and the frontend.
#include "dialects/Kiln/IR/ShapeInference.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include <gtest/gtest.h>

using namespace kiln;
static constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

TEST(ShapeInference, BroadcastFollowsNumPy) {
  using V = llvm::SmallVector<int64_t>;
  EXPECT_EQ(*broadcastShapes({4, 300}, {300}), V({4, 300}));
  EXPECT_EQ(*broadcastShapes({4, 1}, {1, 5}), V({4, 5}));
  EXPECT_EQ(*broadcastShapes({}, {2, 3}), V({2, 3}));
  EXPECT_EQ(*broadcastShapes({kDyn, 10}, {10}), V({kDyn, 10}));
  EXPECT_EQ(*broadcastShapes({kDyn, 10}, {7, 1}), V({7, 10}));
  EXPECT_EQ(*broadcastShapes({kDyn}, {1}), V({kDyn}));
  EXPECT_FALSE(broadcastShapes({4, 3}, {2}).has_value());
}

TEST(ShapeInference, WindowSizesMatchTensorFlow) {
  // Valid: floor((in - k) / s) + 1.
  EXPECT_EQ(windowOutputSize(28, 3, 1, Padding::valid), 26);
  EXPECT_EQ(windowOutputSize(26, 2, 2, Padding::valid), 13);
  EXPECT_EQ(windowOutputSize(11, 2, 2, Padding::valid), 5);
  // Same: ceil(in / s).
  EXPECT_EQ(windowOutputSize(28, 5, 1, Padding::same), 28);
  EXPECT_EQ(windowOutputSize(11, 2, 2, Padding::same), 6);
  EXPECT_EQ(windowOutputSize(kDyn, 3, 1, Padding::valid), kDyn);
  // TensorFlow puts the odd cell of same padding after.
  EXPECT_EQ(windowPadding(28, 5, 1, Padding::same), std::make_pair(int64_t(2), int64_t(2)));
  EXPECT_EQ(windowPadding(11, 2, 2, Padding::same), std::make_pair(int64_t(0), int64_t(1)));
  EXPECT_EQ(windowPadding(28, 4, 1, Padding::same), std::make_pair(int64_t(1), int64_t(2)));
  EXPECT_EQ(windowPadding(28, 4, 1, Padding::valid), std::make_pair(int64_t(0), int64_t(0)));
}

TEST(ShapeInference, AxesAndFormatting) {
  EXPECT_EQ(normalizeAxis(-1, 2), 1);
  EXPECT_EQ(normalizeAxis(1, 2), 1);
  EXPECT_FALSE(normalizeAxis(2, 2).has_value());
  EXPECT_FALSE(normalizeAxis(-3, 2).has_value());
  EXPECT_EQ(formatShape({kDyn, 784}), "(None, 784)");
  EXPECT_EQ(formatShape({kDyn}), "(None,)");
}
