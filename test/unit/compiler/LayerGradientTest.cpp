// Tests that the compiled gradients of the layer ops (dense, matmul, conv2d,
// max_pool2d) match central finite differences of the compiled loss.
#include "GradientTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::test;

TEST(LayerGradient, DenseWithBias) {
  Inputs in(1);
  Arg x = in.param("x", {3, 4});
  x.dynamicBatch = true;
  checkGradient("  %y = kiln.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x5xf32>, tensor<5xf32>\n" +
                    weightedSum("%y", "tensor<?x5xf32>", 2),
                {x, in.param("w", {4, 5}), in.param("b", {5}),
                 [&] { Arg r = in.constant("r", {3, 5}); r.dynamicBatch = true; return r; }()});
}

// Dense -> relu -> dense: relu_grad reads the activation (the relu's
// result), and kiln-tile fuses bias and relu into the first matmul's
// epilogue and the relu gradient into the matmuls of the backward pass.
TEST(LayerGradient, DenseReluDense) {
  Inputs in(19);
  Arg x = in.param("x", {3, 4});
  x.dynamicBatch = true;
  Arg r = in.constant("r", {3, 2});
  r.dynamicBatch = true;
  checkGradient("  %h = kiln.dense %x, %w1, %b1 : tensor<?x4xf32>, tensor<4x5xf32>, "
                "tensor<5xf32>\n"
                "  %a = kiln.relu %h : tensor<?x5xf32>\n"
                "  %y = kiln.dense %a, %w2 : tensor<?x5xf32>, tensor<5x2xf32>\n" +
                    weightedSum("%y", "tensor<?x2xf32>", 2),
                {x, in.param("w1", {4, 5}), in.param("b1", {5}), in.param("w2", {5, 2}), r});
}

TEST(LayerGradient, DenseWithoutBiasRank3) {
  Inputs in(2);
  checkGradient("  %y = kiln.dense %x, %w : tensor<2x3x4xf32>, tensor<4x5xf32>\n" +
                    weightedSum("%y", "tensor<2x3x5xf32>", 3),
                {in.param("x", {2, 3, 4}), in.param("w", {4, 5}),
                 in.constant("r", {2, 3, 5})});
}

TEST(LayerGradient, MatmulAllTransposes) {
  const char *variants[][4] = {
      {"", "tensor<3x4xf32>", "tensor<4x5xf32>", ""},
      {"transpose_lhs", "tensor<4x3xf32>", "tensor<4x5xf32>", ""},
      {"transpose_rhs", "tensor<3x4xf32>", "tensor<5x4xf32>", ""},
      {"transpose_lhs transpose_rhs", "tensor<4x3xf32>", "tensor<5x4xf32>", ""}};
  unsigned seed = 3;
  for (auto &v : variants) {
    Inputs in(seed++);
    bool tl = std::string(v[0]).find("lhs") != std::string::npos;
    bool tr = std::string(v[0]).find("rhs") != std::string::npos;
    std::vector<int64_t> a = tl ? std::vector<int64_t>{4, 3} : std::vector<int64_t>{3, 4};
    std::vector<int64_t> b = tr ? std::vector<int64_t>{5, 4} : std::vector<int64_t>{4, 5};
    SCOPED_TRACE(v[0]);
    checkGradient(std::string("  %y = kiln.matmul %a, %b ") + v[0] + " : " + v[1] +
                      ", " + v[2] + "\n" + weightedSum("%y", "tensor<3x5xf32>", 2),
                  {in.param("a", a), in.param("b", b), in.constant("r", {3, 5})});
  }
}

TEST(LayerGradient, BatchedMatmul) {
  Inputs in(7);
  checkGradient("  %y = kiln.matmul %a, %b : tensor<2x3x4xf32>, tensor<2x4x5xf32>\n" +
                    weightedSum("%y", "tensor<2x3x5xf32>", 3),
                {in.param("a", {2, 3, 4}), in.param("b", {2, 4, 5}),
                 in.constant("r", {2, 3, 5})});
}

TEST(LayerGradient, Conv2DValidWithBias) {
  Inputs in(8);
  Arg x = in.param("x", {2, 6, 5, 3});
  x.dynamicBatch = true;
  Arg r = in.constant("r", {2, 4, 3, 4});
  r.dynamicBatch = true;
  checkGradient("  %y = kiln.conv2d %x, %k, %b strides = [1, 1] padding = valid : "
                "tensor<?x6x5x3xf32>, tensor<3x3x3x4xf32>, tensor<4xf32>\n" +
                    weightedSum("%y", "tensor<?x4x3x4xf32>", 4),
                {x, in.param("k", {3, 3, 3, 4}), in.param("b", {4}), r});
}

TEST(LayerGradient, Conv2DSameStride2) {
  Inputs in(9);
  // same padding on 7x6 with a 3x2 kernel and stride 2: output 4x3.
  checkGradient("  %y = kiln.conv2d %x, %k strides = [2, 2] padding = same : "
                "tensor<1x7x6x2xf32>, tensor<3x2x2x3xf32>\n" +
                    weightedSum("%y", "tensor<1x4x3x3xf32>", 4),
                {in.param("x", {1, 7, 6, 2}), in.param("k", {3, 2, 2, 3}),
                 in.constant("r", {1, 4, 3, 3})});
}

TEST(LayerGradient, Conv2DValidStride2) {
  Inputs in(10);
  checkGradient("  %y = kiln.conv2d %x, %k strides = [2, 2] padding = valid : "
                "tensor<2x7x7x1xf32>, tensor<3x3x1x2xf32>\n" +
                    weightedSum("%y", "tensor<2x3x3x2xf32>", 4),
                {in.param("x", {2, 7, 7, 1}), in.param("k", {3, 3, 1, 2}),
                 in.constant("r", {2, 3, 3, 2})});
}

TEST(LayerGradient, MaxPoolValid) {
  Inputs in(11);
  Arg x = in.separated("x", {2, 4, 6, 3}, 0.05f);
  x.dynamicBatch = true;
  Arg r = in.constant("r", {2, 2, 3, 3});
  r.dynamicBatch = true;
  checkGradient("  %y = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid : "
                "tensor<?x4x6x3xf32>\n" +
                    weightedSum("%y", "tensor<?x2x3x3xf32>", 4),
                {x, r}, {1e-2, 1e-3, 1e-2});
}

// Valid padding of an odd size: the last row and column belong to no
// window and get no gradient (the one-pass, non-overlapping lowering pads
// its result with zeros).
TEST(LayerGradient, MaxPoolValidOddSize) {
  Inputs in(14);
  Arg x = in.separated("x", {2, 5, 7, 3}, 0.05f);
  x.dynamicBatch = true;
  Arg r = in.constant("r", {2, 2, 3, 3});
  r.dynamicBatch = true;
  checkGradient("  %y = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = valid : "
                "tensor<?x5x7x3xf32>\n" +
                    weightedSum("%y", "tensor<?x2x3x3xf32>", 4),
                {x, r}, {1e-2, 1e-3, 1e-2});
}

// 3x3 windows with stride 3: nine strided views of x in the one-pass
// lowering, and a 2x3 pool with unequal sides.
TEST(LayerGradient, MaxPoolNonOverlappingWindows) {
  Inputs in(15);
  checkGradient("  %y = kiln.max_pool2d %x pool_size = [3, 3] strides = [3, 3] padding = valid : "
                "tensor<1x6x7x2xf32>\n" +
                    weightedSum("%y", "tensor<1x2x2x2xf32>", 4),
                {in.separated("x", {1, 6, 7, 2}, 0.05f), in.constant("r", {1, 2, 2, 2})});
  checkGradient("  %y = kiln.max_pool2d %x pool_size = [2, 3] strides = [2, 3] padding = valid : "
                "tensor<1x4x6x2xf32>\n" +
                    weightedSum("%y", "tensor<1x2x2x2xf32>", 4),
                {in.separated("x", {1, 4, 6, 2}, 0.05f), in.constant("r", {1, 2, 2, 2})});
}

// relu then a tiling max-pool: kiln-fuse expands the relu gradient through
// the pool gradient's collapse_shape and kiln-tile computes both in one pass.
TEST(LayerGradient, ReluThenMaxPool) {
  Inputs in(16);
  Arg x = in.separated("x", {2, 4, 6, 3}, 0.05f);
  x.dynamicBatch = true;
  Arg r = in.constant("r", {2, 2, 3, 3});
  r.dynamicBatch = true;
  checkGradient("  %a = kiln.relu %x : tensor<?x4x6x3xf32>\n"
                "  %y = kiln.max_pool2d %a pool_size = [2, 2] strides = [2, 2] padding = valid : "
                "tensor<?x4x6x3xf32>\n" +
                    weightedSum("%y", "tensor<?x2x3x3xf32>", 4),
                {x, r}, {1e-2, 1e-3, 1e-2});
}

TEST(LayerGradient, MaxPoolSameOddSize) {
  Inputs in(12);
  checkGradient("  %y = kiln.max_pool2d %x pool_size = [2, 2] strides = [2, 2] padding = same : "
                "tensor<1x5x5x2xf32>\n" +
                    weightedSum("%y", "tensor<1x3x3x2xf32>", 4),
                {in.separated("x", {1, 5, 5, 2}, 0.05f), in.constant("r", {1, 3, 3, 2})});
}

TEST(LayerGradient, MaxPoolOverlappingWindows) {
  Inputs in(13);
  // 3x3 windows with stride 1 overlap: an input can be the max of several.
  checkGradient("  %y = kiln.max_pool2d %x pool_size = [3, 3] strides = [1, 1] padding = valid : "
                "tensor<1x5x5x1xf32>\n" +
                    weightedSum("%y", "tensor<1x3x3x1xf32>", 4),
                {in.separated("x", {1, 5, 5, 1}, 0.05f), in.constant("r", {1, 3, 3, 1})});
}

// Rows of the table read by several ids receive the sum of their adjoints;
// rows no id reads get zero. Ids as i32 and as whole-number floats.
TEST(LayerGradient, EmbeddingSumsRowsById) {
  Inputs in(14);
  Arg ids = in.labels("ids", {3, 4}, 5); // 12 ids over 5 rows: repeats
  ids.dynamicBatch = true;
  Arg r = in.constant("r", {3, 4, 2});
  r.dynamicBatch = true;
  checkGradient("  %y = kiln.embedding %ids, %t : tensor<?x4xi32>, tensor<7x2xf32>\n" +
                    weightedSum("%y", "tensor<?x4x2xf32>", 3),
                {ids, in.param("t", {7, 2}), r});
  Arg fids = in.labels("ids", {6}, 7);
  fids.element = "f32";
  checkGradient("  %y = kiln.embedding %ids, %t : tensor<6xf32>, tensor<7x3xf32>\n" +
                    weightedSum("%y", "tensor<6x3xf32>", 2),
                {fids, in.param("t", {7, 3}), in.constant("r", {6, 3})});
}
