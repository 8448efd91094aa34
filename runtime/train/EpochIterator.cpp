// Batches bound into a step's arguments: rebinding descriptors in order, or
// gathering shuffled rows into batch buffers.
#include "runtime/train/EpochIterator.h"

#include <cstring>
#include <limits>

namespace kiln::train::detail {

namespace {

// Uniform integer in [0, n) from mt19937_64, identical on every platform
// (std::uniform_int_distribution is implementation-defined).
uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t n) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() -
                         std::numeric_limits<uint64_t>::max() % n;
  for (;;) {
    uint64_t r = rng();
    if (r < limit)
      return r % n;
  }
}

void shuffleInPlace(std::vector<int64_t> &v, std::mt19937_64 &rng) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(uniformBelow(rng, i));
    std::swap(v[i - 1], v[j]);
  }
}

} // namespace

uint64_t randomSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

EpochIterator::EpochIterator(StepArgs &args, std::vector<Feed> feeds,
                             int64_t begin, int64_t count, int64_t batchSize,
                             std::optional<uint64_t> shuffleSeed, Shard shard)
    : begin_(begin), count_(count), batchSize_(batchSize),
      shuffle_(shuffleSeed.has_value()), shard_(shard) {
  for (const Feed &feed : feeds)
    for (size_t i = 0; i < feed.arrays->size(); ++i) {
      Array &array = (*feed.arrays)[i];
      Binding b{&array, &args.arg(feed.role, i), Tensor()};
      Shape sizes = array.data.shape();
      sizes[0] = batchSize;
      void *ptr = array.data.raw();
      // Outputs on a device are already in its memory (predict's).
      b.buffered =
          shuffle_ || (args.device() && feed.role != abi::ArgRole::Output);
      if (b.buffered) {
        b.buffer = abi::emptyOn(args.device(), sizes, array.data.dtype());
        ptr = b.buffer.raw();
      }
      b.arg->bind(ptr, sizes);
      bindings_.push_back(std::move(b));
    }
  if (shuffle_) {
    rng_.seed(*shuffleSeed);
    order_.resize(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      order_[static_cast<size_t>(i)] = begin + i;
  }
}

void EpochIterator::beginEpoch() {
  if (shuffle_)
    shuffleInPlace(order_, rng_);
}

int64_t EpochIterator::bind(int64_t b) {
  int64_t first = b * batchSize_;
  int64_t rows = std::min(batchSize_, count_ - first);
  if (shard_.size > 1) {
    const auto [offset, mine] = shard_.runOf(rows);
    share_ = double(mine) / double(rows);
    first += offset;
    // A replica left without rows (a last batch smaller than the replicas)
    // still takes part in the reduction, with the batch's first row and a
    // share of 0.
    if (mine == 0)
      first = b * batchSize_;
    rows = std::max<int64_t>(mine, 1);
    bindRows(first, rows);
    return mine;
  }
  bindRows(first, rows);
  return rows;
}

void EpochIterator::bindRows(int64_t first, int64_t rows) {
  for (Binding &binding : bindings_) {
    Array &array = *binding.array;
    if (!binding.buffered) {
      binding.arg->rebindBatch(array.row(begin_ + first), rows);
      continue;
    }
    char *dst = static_cast<char *>(binding.buffer.raw());
    if (!shuffle_) {
      std::memcpy(dst, array.row(begin_ + first),
                  static_cast<size_t>(rows) * array.rowBytes);
      binding.arg->rebindBatch(dst, rows);
      continue;
    }
    const int64_t *rowIds = order_.data() + first;
    for (int64_t k = 0; k < rows; ++k)
      std::memcpy(dst + static_cast<size_t>(k) * array.rowBytes,
                  array.row(rowIds[k]), array.rowBytes);
    binding.arg->rebindBatch(dst, rows);
  }
}

} // namespace kiln::train::detail
