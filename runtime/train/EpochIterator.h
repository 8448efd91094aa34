// Batches of a Dataset bound into a step's arguments, epoch after epoch
// (Keras's epoch iterator; the shuffling is PyTorch's sampler). Internal to
// runtime/train.
#ifndef KILN_RUNTIME_TRAIN_EPOCHITERATOR_H
#define KILN_RUNTIME_TRAIN_EPOCHITERATOR_H

#include "runtime/train/DataAdapter.h"
#include "runtime/train/StepArgs.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace kiln::train::detail {

// The arrays bound to the arguments of one role (Input: x, Target: y,
// Output: predict's result tensors).
struct Feed {
  abi::ArgRole role;
  std::vector<Array> *arrays;
};

// What fit's batch loop draws its batches from: arrays (EpochIterator) or
// a generator of batches (GeneratorBatches).
class BatchBinder {
public:
  virtual ~BatchBinder() = default;
  virtual int64_t steps() const = 0;
  // Starts an epoch (a new order when shuffling).
  virtual void beginEpoch() = 0;
  // Binds batch `b` (0-based) of the epoch into the step's arguments and
  // returns its rows (this replica's; 0 when it has none and takes part
  // with a share of 0).
  virtual int64_t bind(int64_t b) = 0;
  // This replica's share of the global batch just bound (data parallel: its
  // weight in the reduction of gradients); 1 with one replica.
  virtual double share() const { return 1.0; }
};

// One replica's part of every global batch (data parallel): of a batch's R
// rows, replica r of n takes the r-th of n contiguous runs as even as can
// be (the first R % n runs one row longer).
struct Shard {
  int rank = 0, size = 1;
  // This replica's run of `rows` rows: {offset, count}; count may be 0.
  std::pair<int64_t, int64_t> runOf(int64_t rows) const {
    return runOf(rows, rank);
  }
  // Replica `r`'s run.
  std::pair<int64_t, int64_t> runOf(int64_t rows, int r) const {
    const int64_t base = rows / size, extra = rows % size;
    return {r * base + std::min<int64_t>(r, extra), base + (r < extra ? 1 : 0)};
  }
};

// Rows [begin, begin + count) in batches of `batchSize` (the last batch
// keeps the remainder). Without a shuffle seed, batch b's descriptors point
// into the data itself (no copy); with one, every epoch visits the rows in a
// new order (mt19937_64 from the seed, the same on every platform) and each
// batch is gathered into buffers allocated once here.
class EpochIterator : public BatchBinder {
public:
  EpochIterator(StepArgs &args, std::vector<Feed> feeds, int64_t begin,
                int64_t count, int64_t batchSize,
                std::optional<uint64_t> shuffleSeed, Shard shard = {});

  int64_t steps() const override { return (count_ + batchSize_ - 1) / batchSize_; }
  // Draws this epoch's order (when shuffling).
  void beginEpoch() override;
  // Binds batch `b` (0-based) and returns its rows.
  int64_t bind(int64_t b) override;
  double share() const override { return share_; }

private:
  void bindRows(int64_t first, int64_t rows);

  struct Binding {
    Array *array;
    abi::MemRefDescriptor *arg;
    // The gather target when shuffling, and on a device (StepArgs::device)
    // the batch's copy in its memory; empty when the step reads the array.
    Tensor buffer;
    bool buffered = false;
  };

  std::vector<Binding> bindings_;
  int64_t begin_, count_, batchSize_;
  bool shuffle_;
  Shard shard_;
  double share_ = 1.0;
  std::mt19937_64 rng_;
  std::vector<int64_t> order_;
};

// A seed for fit's shuffle when the caller gives none.
uint64_t randomSeed();

} // namespace kiln::train::detail

#endif // KILN_RUNTIME_TRAIN_EPOCHITERATOR_H
