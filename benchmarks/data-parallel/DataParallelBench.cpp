// What data parallelism costs on this machine, for the examples' MLP and
// CNN: the bytes of gradients each step reduces, the time of one
// all-reduce of that size, and the train step's time alone and as one of
// the replicas (same global batch). Run under mpirun; rank 0 prints:
//   mpirun -np 2 build/bin/kiln-data-parallel-bench [--batch 32] [--steps 200]
//       [--bucket-bytes 26214400]
// The figures feed benchmarks/data-parallel/scaling_model.py.
#include "../TutorialModels.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace kiln;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double allReduceMicros(dist::Communicator &comm, int64_t floats, int reps) {
  std::vector<float> buffer(size_t(floats), 1.0f);
  std::vector<double> times;
  for (int i = 0; i < reps + 5; ++i) {
    double sync = 0;
    comm.allReduceSum(&sync, 1); // start together
    auto t0 = Clock::now();
    comm.allReduceSum(buffer.data(), floats);
    double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (i >= 5)
      times.push_back(us);
  }
  // The slowest replica's time is the step's.
  double m = median(times);
  std::vector<double> all(size_t(comm.size()), 0.0);
  all[size_t(comm.rank())] = m;
  comm.allReduceSum(all.data(), int64_t(all.size()));
  return *std::max_element(all.begin(), all.end());
}

// Microseconds per train step over `steps` global batches of `batch` rows.
int64_t bucketBytes = 25 << 20;

double stepMicros(Sequential (*make)(), bool distributed, int64_t batch,
                  int64_t steps, const Shape &sample) {
  if (distributed)
    distribution::set_distribution({.bucket_bytes = bucketBytes});
  Sequential model = make();
  distribution::clear_distribution();
  Shape xs = sample;
  xs.insert(xs.begin(), batch * steps);
  std::mt19937 rng(1);
  Tensor x = Tensor::zeros(xs);
  float *p = x.data<float>();
  for (int64_t i = 0; i < x.size(); ++i)
    p[i] = float(rng() % 256) / 255.0f;
  std::vector<int32_t> labels(size_t(batch * steps));
  for (auto &l : labels)
    l = int32_t(rng() % 10);
  Tensor y = Tensor::fromVector(labels, {batch * steps});
  model.fit(x, y, {.epochs = 1, .batch_size = batch, .verbose = 0}); // warm
  auto t0 = Clock::now();
  model.fit(x, y, {.epochs = 2, .batch_size = batch, .verbose = 0});
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
         double(2 * steps);
}

} // namespace

int main(int argc, char **argv) try {
  int64_t batch = 32, steps = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch"))
      batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--steps"))
      steps = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--bucket-bytes"))
      bucketBytes = std::atoll(argv[i + 1]);
  }
  auto comm = dist::launchedByMpirun() ? dist::mpi() : dist::local();
  // One process alone gets the cores its replica would (threads per
  // replica), so the two step times compare work, not cores.
  config::threading::set_intra_op_parallelism_threads(std::max(
      1, int(std::thread::hardware_concurrency()) / dist::localReplicas()));
  struct Row {
    const char *name;
    Sequential (*make)();
    Shape sample;
  };
  const Row rows[] = {{"mlp", bench::mlp, {28, 28}}, {"cnn", bench::cnn, {28, 28, 1}}};
  if (comm->rank() == 0)
    std::printf("# %s, %d threads per replica, global batch %lld\n"
                "model  gradient_bytes  allreduce_us  step_us_alone  step_us_replica\n",
                comm->describe().c_str(),
                config::threading::get_intra_op_parallelism_threads(),
                (long long)batch);
  for (const Row &r : rows) {
    Sequential model = r.make();
    int64_t floats = 0;
    for (const Tensor &w : model.get_weights())
      floats += w.size();
    double reduce = allReduceMicros(*comm, floats, 100);
    // Alone: the whole global batch on one replica's cores (rank 0's
    // measurement; the others idle meanwhile).
    double alone = 0;
    if (comm->rank() == 0)
      alone = stepMicros(r.make, false, batch, steps, r.sample);
    double sync = 0;
    comm->allReduceSum(&sync, 1);
    double replica = stepMicros(r.make, true, batch, steps, r.sample);
    if (comm->rank() == 0)
      std::printf("%-5s  %14lld  %12.1f  %13.1f  %15.1f\n", r.name,
                  (long long)(floats * 4), reduce, alone, replica);
  }
  return 0;
} catch (const std::exception &e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
