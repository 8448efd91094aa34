//===- Timing.h - Timed compile stages --------------------------*- C++ -*-===//
//
// A compile stage is an MLIR timing scope (so `--timing` prints MLIR's
// report, with each pass of a pipeline stage nested in it) whose wall time is
// also summed into CompileTimings, from any thread.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_TIMING_H
#define KILN_COMPILER_JIT_TIMING_H

#include "compiler/JIT/CompileTimings.h"

#include "mlir/Support/Timing.h"
#include <chrono>
#include <ctime>
#include <mutex>

namespace kiln {

/// CompileTimings shared by the threads of one compile.
class StageTimes {
public:
  explicit StageTimes(CompileTimings *timings) : timings(timings) {}
  void add(llvm::StringRef stage, double seconds, double cpuSeconds) {
    if (!timings)
      return;
    std::lock_guard<std::mutex> lock(mutex);
    timings->add(stage, seconds, cpuSeconds);
  }

private:
  CompileTimings *timings;
  std::mutex mutex;
};

/// Times one stage from construction to stop() or destruction.
class StageTimer {
public:
  StageTimer(mlir::TimingScope &parent, StageTimes &times,
             llvm::StringRef name)
      : timing(parent.nest(name)), times(times), name(name.str()),
        start(std::chrono::steady_clock::now()), cpuStart(threadCpuSeconds()) {}
  ~StageTimer() { stop(); }
  StageTimer(const StageTimer &) = delete;

  mlir::TimingScope &scope() { return timing; }
  void stop() {
    if (stopped)
      return;
    stopped = true;
    timing.stop();
    times.add(name,
              std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                  .count(),
              threadCpuSeconds() - cpuStart);
  }

  /// CPU time of the calling thread: what a stage costs whatever the load.
  static double threadCpuSeconds() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
  }

private:
  mlir::TimingScope timing;
  StageTimes &times;
  std::string name;
  std::chrono::steady_clock::time_point start;
  double cpuStart;
  bool stopped = false;
};

} // namespace kiln

#endif // KILN_COMPILER_JIT_TIMING_H
