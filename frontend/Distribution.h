// Keras 3's keras.distribution for data parallelism across processes:
//   kiln::distribution::set_distribution(kiln::distribution::DataParallel{});
//   model.compile(...);   // the train step reduces its gradients
//   model.fit(x, y, ...); // each process trains on its part of every batch
// launched as `mpirun -np 2 ./train` (or KILN_DISTRIBUTION=data_parallel,
// which sets it without a code change). Without mpirun it is one process.
#ifndef KILN_FRONTEND_DISTRIBUTION_H
#define KILN_FRONTEND_DISTRIBUTION_H

#include "runtime/dist/Communicator.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln::distribution {

/// Data parallelism: every process holds the whole model; each trains on
/// its part of every global batch and the gradients are averaged across
/// the processes inside the compiled step (kiln.all_reduce), so every
/// process keeps the same weights and the result equals one process
/// training on the global batches.
struct DataParallel {
  /// The processes; null: MPI_COMM_WORLD when started by mpirun, else this
  /// process alone.
  std::shared_ptr<dist::Communicator> communicator = nullptr;
  /// The most gradient bytes one collective call carries (DDP's 25 MiB).
  int64_t bucket_bytes = 25 << 20;
};

/// Models compiled from now on train data-parallel (Keras 3's
/// keras.distribution.set_distribution).
void set_distribution(DataParallel distribution);
/// Back to one process for models compiled from now on.
void clear_distribution();
/// The distribution set, else DataParallel when KILN_DISTRIBUTION is
/// "data_parallel" (throws on another value), else none.
std::optional<DataParallel> distribution();
/// The processes `d` trains on (its communicator, or the default).
std::shared_ptr<dist::Communicator> communicator_of(const DataParallel &d);

/// Keras 3's list_devices(): one "cpu:<rank>" per process of the default
/// communicator.
std::vector<std::string> list_devices();

} // namespace kiln::distribution

#endif // KILN_FRONTEND_DISTRIBUTION_H
