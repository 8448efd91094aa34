//===- CompileTimings.h - Where a model's compile time goes ----*- C++ -*-===//
//
// Plain C++ (no LLVM or MLIR types), so the frontend's public headers can
// hand it out. MLIR's timing manager prints the same stages as a tree with
// every pass (Timing.h).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_JIT_COMPILETIMINGS_H
#define KILN_COMPILER_JIT_COMPILETIMINGS_H

#include <string>
#include <string_view>
#include <vector>

namespace kiln {

struct CompileTimings {
  struct Stage {
    std::string name;
    double seconds = 0;    // wall, summed over the steps
    double cpuSeconds = 0; // CPU time of the threads that ran it
  };
  /// Stages in the order they first ran, each summed over the steps
  /// compiled in parallel (what it costs on one core).
  std::vector<Stage> stages;
  double pipelineSeconds = 0; // wall: kiln -> LLVM dialect, all steps
  double jitSeconds = 0;      // wall: LLVM dialect -> linked machine code
  double totalSeconds = 0;    // wall: the whole compile, cache included
  bool cacheHit = false;      // the steps came from the compile cache

  /// The stage called `name`, or nullptr when it did not run.
  const Stage *stage(std::string_view name) const {
    for (const Stage &s : stages)
      if (s.name == name)
        return &s;
    return nullptr;
  }
  void add(std::string_view name, double seconds, double cpuSeconds) {
    for (Stage &s : stages)
      if (s.name == name) {
        s.seconds += seconds;
        s.cpuSeconds += cpuSeconds;
        return;
      }
    stages.push_back({std::string(name), seconds, cpuSeconds});
  }
};

} // namespace kiln

#endif // KILN_COMPILER_JIT_COMPILETIMINGS_H
