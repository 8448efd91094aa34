// Process-wide settings, as tf.config gives them to a Keras program:
//   config::threading::set_intra_op_parallelism_threads(1);  // one core
// The thread count reaches the code generated for each model compiled
// afterwards (JitOptions::threads); models compiled before keep theirs.
#ifndef KILN_FRONTEND_CONFIG_H
#define KILN_FRONTEND_CONFIG_H

#include "runtime/Error.h"

namespace kiln::config::threading {

namespace detail {
inline int &intraOpThreads() {
  static int threads = 0;
  return threads;
}
} // namespace detail

/// Threads a compiled step runs on: 0 (the default) means all cores, 1 runs
/// the step on the calling thread alone.
inline void set_intra_op_parallelism_threads(int threads) {
  if (threads < 0)
    throwError("set_intra_op_parallelism_threads: threads must be 0 (all "
               "cores) or positive, got ",
               threads);
  detail::intraOpThreads() = threads;
}

inline int get_intra_op_parallelism_threads() {
  return detail::intraOpThreads();
}

} // namespace kiln::config::threading

#endif // KILN_FRONTEND_CONFIG_H
