// The distribution models are compiled under (frontend/Distribution.h).
#include "frontend/Distribution.h"

#include "runtime/Error.h"

#include <cstdlib>
#include <mutex>

namespace kiln::distribution {

namespace {
std::mutex mutex;
std::optional<DataParallel> current;
} // namespace

void set_distribution(DataParallel d) {
  if (d.bucket_bytes <= 0)
    throwError("DataParallel: bucket_bytes must be positive, got ", d.bucket_bytes);
  std::lock_guard<std::mutex> lock(mutex);
  current = std::move(d);
}

void clear_distribution() {
  std::lock_guard<std::mutex> lock(mutex);
  current.reset();
}

std::optional<DataParallel> distribution() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (current)
      return current;
  }
  const char *env = std::getenv("KILN_DISTRIBUTION");
  if (!env || !*env)
    return std::nullopt;
  std::string value = env;
  if (value == "data_parallel")
    return DataParallel{};
  if (value == "none")
    return std::nullopt;
  throwError("KILN_DISTRIBUTION=", value,
             ": expected data_parallel or none");
}

std::shared_ptr<dist::Communicator> communicator_of(const DataParallel &d) {
  if (d.communicator)
    return d.communicator;
  if (dist::launchedByMpirun())
    return dist::mpi();
  return dist::local();
}

std::vector<std::string> list_devices() {
  auto comm = communicator_of(DataParallel{});
  std::vector<std::string> out;
  for (int r = 0; r < comm->size(); ++r)
    out.push_back("cpu:" + std::to_string(r));
  return out;
}

} // namespace kiln::distribution
