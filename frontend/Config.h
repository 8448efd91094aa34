// Process-wide settings, as tf.config gives them to a Keras program:
//   config::threading::set_intra_op_parallelism_threads(1);  // one core
// The thread count reaches the code generated for each model compiled
// afterwards (JitOptions::threads); models compiled before keep theirs.
#ifndef KILN_FRONTEND_CONFIG_H
#define KILN_FRONTEND_CONFIG_H

#include "runtime/Error.h"
#include "runtime/abi/Workspace.h"

#include <cstdlib>
#include <string>

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

namespace kiln::config {

namespace detail {
inline bool &compileTiming() {
  static bool enabled = [] {
    const char *env = std::getenv("KILN_TIMING");
    return env && *env && std::string(env) != "0";
  }();
  return enabled;
}
} // namespace detail

/// Whether compile() prints, to stderr, where each model's compile time goes:
/// MLIR's timing report of the stages (context set-up, IR emission, each
/// pipeline stage with its passes, LLVM's translation, optimization and code
/// generation, the link), then one line per stage. KILN_TIMING=1 sets it.
inline void set_compile_timing(bool enabled) {
  detail::compileTiming() = enabled;
}

inline bool get_compile_timing() { return detail::compileTiming(); }

/// The most bytes the compiled steps' temporaries (activations, gradients)
/// may hold at once; 0, the default, sets no limit. A step that needs more
/// ends with a kiln::Error from fit, evaluate or predict naming the bytes it
/// asked for (the step itself completes: no partial update is left).
inline void set_workspace_limit(size_t bytes) { workspace::setLimit(bytes); }

inline size_t get_workspace_limit() { return workspace::limit(); }

} // namespace kiln::config

#endif // KILN_FRONTEND_CONFIG_H
