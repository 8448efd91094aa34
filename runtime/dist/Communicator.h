// Data-parallel training's collectives: a communicator over the replicas
// (processes) of one fit, and the entry point a data-parallel train step
// calls for each bucket of gradients (kiln.all_reduce, bufferized).
//   auto comm = dist::mpi();             // MPI_COMM_WORLD under mpirun
//   fit(steps, state, x, y, {.communicator = comm});
// A single process needs none: the step's reduction leaves its values alone.
#ifndef KILN_RUNTIME_DIST_COMMUNICATOR_H
#define KILN_RUNTIME_DIST_COMMUNICATOR_H

#include <cstdint>
#include <memory>
#include <string>

namespace kiln::dist {

/// The replicas of one data-parallel run. Every call is collective: every
/// replica makes the same calls in the same order. Failures (a replica gone,
/// sizes that disagree) throw kiln::Error naming the call.
class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// "MPI (2 processes)", "one process".
  virtual std::string describe() const = 0;
  /// Sums `count` values across the replicas, in place.
  virtual void allReduceSum(float *data, int64_t count) = 0;
  virtual void allReduceSum(double *data, int64_t count) = 0;
  /// `bytes` bytes from `root`'s `data` into every replica's.
  virtual void broadcast(void *data, int64_t bytes, int root) = 0;
  /// Refuses, naming `what`, unless every replica passes the same value.
  void checkSame(int64_t value, const std::string &what);
};

/// One process: every collective is the identity.
std::shared_ptr<Communicator> local();

/// Whether this process was started by mpirun (OpenMPI, MPICH or a PMI
/// launcher's environment).
bool launchedByMpirun();
/// The processes mpirun started on this machine (1 without mpirun): they
/// share its cores.
int localReplicas();
/// MPI_COMM_WORLD: MPI is initialized on first use and finalized at exit.
/// Throws when Kiln was built without MPI.
std::shared_ptr<Communicator> mpi();

/// While alive, the data-parallel train steps this thread calls reduce
/// through `comm`, this replica holding `share` of the global batch's rows
/// (its weight in a `mean` reduction).
class StepScope {
public:
  StepScope(Communicator *comm, double share);
  ~StepScope();
  StepScope(const StepScope &) = delete;
  StepScope &operator=(const StepScope &) = delete;

private:
  Communicator *previousComm_;
  double previousShare_;
};

/// The first failure of a reduction inside a compiled step since the last
/// call (compiled code cannot throw), or "".
std::string takeFailure();

} // namespace kiln::dist

extern "C" {
/// kiln.all_reduce on a bucket: a 1-D f32 memref, expanded as MLIR passes
/// it (allocated, aligned, offset, size, stride), and the op's mode (0 sum,
/// 1 mean: each replica's values weighted by its share of the batch).
void kiln_all_reduce_f32(float *allocated, float *aligned, int64_t offset,
                         int64_t size, int64_t stride, int32_t mode);
}

#endif // KILN_RUNTIME_DIST_COMMUNICATOR_H
