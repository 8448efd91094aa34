// MPI_COMM_WORLD as a Communicator (Debian's OpenMPI). Errors are returned,
// not fatal, so a failed collective becomes a kiln::Error naming it.
#include "runtime/dist/Communicator.h"

#include "runtime/Error.h"

// The C API only: OpenMPI's and MPICH's deprecated C++ bindings would need
// their own library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <mutex>

namespace kiln::dist {

namespace {

std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, size_t(length));
}

void check(int code, const char *call) {
  if (code != MPI_SUCCESS)
    throwError("data parallel: ", call, " failed: ", mpiError(code));
}

// MPI counts are ints: large buffers go in chunks.
constexpr int64_t kChunk = INT_MAX / 8;

class Mpi final : public Communicator {
public:
  Mpi() {
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided),
            "MPI_Init_thread");
      std::atexit([] {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized)
          MPI_Finalize();
      });
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override {
    return "MPI, " + std::to_string(size_) + " process" + (size_ == 1 ? "" : "es");
  }
  void allReduceSum(float *data, int64_t count) override {
    for (int64_t i = 0; i < count; i += kChunk)
      check(MPI_Allreduce(MPI_IN_PLACE, data + i, int(std::min(kChunk, count - i)),
                          MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce");
  }
  void allReduceSum(double *data, int64_t count) override {
    for (int64_t i = 0; i < count; i += kChunk)
      check(MPI_Allreduce(MPI_IN_PLACE, data + i, int(std::min(kChunk, count - i)),
                          MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce");
  }
  void broadcast(void *data, int64_t bytes, int root) override {
    char *p = static_cast<char *>(data);
    for (int64_t i = 0; i < bytes; i += kChunk)
      check(MPI_Bcast(p + i, int(std::min(kChunk, bytes - i)), MPI_BYTE, root,
                      MPI_COMM_WORLD),
            "MPI_Bcast");
  }

private:
  int rank_ = 0, size_ = 1;
};

} // namespace

std::shared_ptr<Communicator> mpi() {
  static std::mutex mutex;
  static std::shared_ptr<Communicator> world;
  std::lock_guard<std::mutex> lock(mutex);
  if (!world)
    world = std::make_shared<Mpi>();
  return world;
}

} // namespace kiln::dist
