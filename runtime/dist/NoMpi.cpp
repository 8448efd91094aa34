// Kiln built without MPI: data parallelism across processes is unavailable.
#include "runtime/dist/Communicator.h"

#include "runtime/Error.h"

namespace kiln::dist {

std::shared_ptr<Communicator> mpi() {
  throwError("data parallel: this Kiln was built without MPI (install "
             "libopenmpi-dev and openmpi-bin, as scripts/bootstrap.sh does, "
             "and rebuild)");
}

} // namespace kiln::dist
