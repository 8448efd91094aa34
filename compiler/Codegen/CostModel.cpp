//===- CostModel.cpp - Tile sizes for kiln-tile ---------------------------===//
#include "compiler/Codegen/CostModel.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

#include <algorithm>
#include <numeric>

namespace kiln {
namespace {

bool isDynamic(int64_t size) { return mlir::ShapedType::isDynamic(size); }

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace

int64_t maxRowsInPlace(const CpuTarget &target, int64_t stride) {
  constexpr int64_t kLine = 64, kNoLimit = 16;
  int64_t period = target.l1Bytes / std::max<int64_t>(1, target.l1Ways);
  if (stride <= 0 || isDynamic(stride) || period < kLine)
    return kNoLimit;
  // Rows r * stride bytes apart fall on period / gcd(stride, period)
  // distinct set offsets (whole lines: no more than period / 64).
  int64_t bytes = stride * 4;
  int64_t offsets = std::min(period / std::gcd(bytes, period), period / kLine);
  int64_t perSet = std::max<int64_t>(1, target.l1Ways * 2 / 3);
  return std::min(kNoLimit, offsets * perSet);
}

ContractionTiles chooseContractionTiles(const CpuTarget &target, int64_t m,
                                        int64_t n, int64_t k,
                                        int64_t aRowStride) {
  const int64_t lanes = target.lanes();
  const int64_t regs = target.vectorRegisters;
  // A dynamic M or K is the batch; a dynamic N is assumed wide.
  const int64_t mm = isDynamic(m) ? kAssumedBatch : m;
  const int64_t nn = isDynamic(n) ? 256 : n;
  const int64_t kk = isDynamic(k) ? kAssumedBatch : k;
  constexpr double fmaPorts = 2, loadPorts = 2;
  // On znver5 (48 KiB, 12-way L1) 13 rows 4 KiB apart ran a 1024^2 matmul
  // at 93 GFLOP/s on one core, 8 rows at 180 (OpenBLAS 191); at 2048, 12
  // rows 148, 8 rows 190. 1040 (rows on distinct sets) ran 13 rows at 180.
  const int64_t maxRows = maxRowsInPlace(target, aRowStride);

  ContractionTiles best;
  double bestCost = -1;
  // Powers of two of whole vectors: LLVM splits <32 x float> into two zmm
  // cleanly, but legalizes <48 x float> with shuffles and spills.
  for (int64_t u : {1, 2, 4}) {
    // No wider than N needs (rounded up to whole vectors).
    if (u > 1 && (u - 1) * lanes >= nn)
      break;
    // One row reads each element of B once, from L2 or beyond: the FMA
    // count does not bound it, and two vectors a step measured best (the
    // MLP at a static batch of 1 on znver5: 13.8 us with two, 17-18 with
    // one or four).
    if (!isDynamic(m) && m == 1 && u > 2)
      break;
    for (int64_t mr = 1; mr <= maxRows; ++mr) {
      if (mr * u + u + 1 > regs)
        break;
      if (mr > 1 && mr - 1 >= mm)
        break;
      // One cycle of loop and address overhead per k step.
      double perStep =
          std::max(mr * u / fmaPorts, (mr + u) / loadPorts) + 1.0;
      double cost = double(ceilDiv(mm, mr)) * ceilDiv(nn, u * lanes) * perStep;
      // Prefer larger tiles on ties: fewer loop iterations and masks.
      if (bestCost < 0 || cost < bestCost * 0.999) {
        bestCost = cost;
        best.mr = mr;
        best.nr = u * lanes;
      }
    }
  }

  // Threads: split the outer loop when there is enough work. N is split when
  // its tiles divide evenly enough (each thread then reads part of B), else
  // M (balanced at run time for a dynamic batch).
  int64_t work = mm * nn * kk;
  best.threads = 1;
  if (target.threads > 1 && work >= kMinParallelWork) {
    best.threads = target.threads;
    best.parallelDim = 0;
    if (!isDynamic(n)) {
      int64_t nTiles = ceilDiv(n, best.nr);
      int64_t perThread = ceilDiv(nTiles, best.threads) * best.nr;
      double ideal = double(n) / best.threads;
      if (nTiles >= best.threads && perThread <= 1.15 * ideal)
        best.parallelDim = 1;
    }
    if (best.parallelDim == 0 && !isDynamic(m) &&
        ceilDiv(m, best.mr) < best.threads)
      best.threads = 1;
  }

  // Cache tiles, once B (K x N) outgrows half of L2: K and N are blocked so
  // that a kc x nc block of B stays in L2, packed into panels that stream
  // from it. Below that the register tiles keep their epilogue (bias,
  // activation, optimizer update) fused, which a loop over K blocks would
  // split off. Every K block is a pass over C, so kc is as large as L1
  // allows for what the kernel re-reads at every k step from L1: the row
  // tile's kc columns of A (mr broadcasts a step) in half of it. The B
  // panel (nr floats a step, one or two vector loads beside mr * u FMAs)
  // streams from L2. On znver4 (32 KiB L1) kc 392 instead of 112 for K 784
  // took the MLP's predict at batch 10000 from 42-50 to 34-41 ms and the
  // b256 train step from 2.6-2.7 to 1.7-2.4 ms (noisy machine, paired
  // runs); square matmuls measured the same. Earlier, 2048^2 on one thread
  // measured 82 GFLOP/s with kc 256, 58-79 with 128 (emeraldrapids).
  if (isDynamic(k))
    return best;
  // One row tile reads B once: blocks would keep nothing for a second
  // reader, and would split the epilogue off (a static batch of 1).
  if (!isDynamic(m) && m <= best.mr)
    return best;
  int64_t kc = std::max<int64_t>(64, target.l1Bytes / 2 / (best.mr * 4));
  kc = std::min<int64_t>(kc, 512);
  // Prefer a kc that divides K.
  for (int64_t c = kc; c >= kc / 2; --c)
    if (k % c == 0) {
      kc = c;
      break;
    }
  int64_t bBytes = kk * nn * 4;
  if (bBytes > target.l2Bytes / 2) {
    // Blocked (and so packed) even when kc spans K: unblocked, every row
    // tile streams all of B from beyond L2, and at power-of-two N B's rows
    // share L1 sets. On znver4 (AVX2, 32 KiB 8-way L1, 1 MiB L2) 512^2
    // ran at 46-49 GFLOP/s on one core unblocked (OpenBLAS 78).
    best.kc = std::min(kc, k);
    int64_t nc = target.l2Bytes / 2 / (std::min(kc, kk) * 4);
    nc = std::max<int64_t>(best.nr, nc / best.nr * best.nr);
    if (nc < nn)
      best.nc = nc;
  }
  return best;
}

} // namespace kiln
