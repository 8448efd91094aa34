// The single-process communicator and the step's reduction entry point.
#include "runtime/dist/Communicator.h"

#include "runtime/Error.h"

#include <cstdlib>
#include <utility>
#include <vector>

namespace kiln::dist {

namespace {

class Local final : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string describe() const override { return "one process"; }
  void allReduceSum(float *, int64_t) override {}
  void allReduceSum(double *, int64_t) override {}
  void broadcast(void *, int64_t, int) override {}
};

// The step's context is per thread: fit calls its steps on its own thread.
thread_local Communicator *stepComm = nullptr;
thread_local double stepShare = 1.0;
thread_local std::string failure;

} // namespace

void Communicator::checkSame(int64_t value, const std::string &what) {
  int64_t first = value;
  broadcast(&first, sizeof first, 0);
  double differ = first != value ? 1.0 : 0.0;
  allReduceSum(&differ, 1);
  if (differ != 0.0)
    throwError("data parallel: the replicas disagree on ", what, " (", describe(),
               "; rank 0 has ", first, ", rank ", rank(), " has ", value, ")");
}

std::shared_ptr<Communicator> local() { return std::make_shared<Local>(); }

bool launchedByMpirun() {
  for (const char *var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                          "MPI_LOCALNRANKS"})
    if (std::getenv(var))
      return true;
  return false;
}

int localReplicas() {
  for (const char *var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                          "PMI_LOCAL_SIZE"})
    if (const char *v = std::getenv(var))
      if (int n = std::atoi(v); n > 0)
        return n;
  return 1;
}

StepScope::StepScope(Communicator *comm, double share)
    : previousComm_(stepComm), previousShare_(stepShare) {
  stepComm = comm;
  stepShare = share;
}

StepScope::~StepScope() {
  stepComm = previousComm_;
  stepShare = previousShare_;
}

std::string takeFailure() { return std::exchange(failure, std::string()); }

} // namespace kiln::dist

using namespace kiln::dist;

extern "C" void kiln_all_reduce_f32(float *, float *aligned, int64_t offset,
                                    int64_t size, int64_t stride, int32_t mode) {
  if (!stepComm || stepComm->size() == 1 || !failure.empty())
    return;
  try {
    float *data = aligned + offset;
    std::vector<float> packed;
    float *buffer = data;
    if (stride != 1) {
      packed.resize(size_t(size));
      for (int64_t i = 0; i < size; ++i)
        packed[size_t(i)] = data[i * stride];
      buffer = packed.data();
    }
    if (mode == 1 && stepShare != 1.0)
      for (int64_t i = 0; i < size; ++i)
        buffer[i] *= float(stepShare);
    stepComm->allReduceSum(buffer, size);
    if (stride != 1)
      for (int64_t i = 0; i < size; ++i)
        data[i * stride] = packed[size_t(i)];
  } catch (const std::exception &e) {
    failure = e.what();
  }
}
