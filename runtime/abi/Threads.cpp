// Run-time thread counts of compiled parallel regions.
#include "runtime/abi/Threads.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace {
thread_local int32_t tLimit = 0;
thread_local int64_t tAsked = 0;

/// The first call of a step (page faults, cold caches) is not measured.
/// Then the step runs on all threads, and one thread is first tried after
/// kFirstProbeCalls calls or kFirstProbeSeconds of steps, whichever comes
/// first: measuring both up front costs too much where a step runs only a
/// few times, each long (predict on a large batch). Each step and batch
/// size decides for itself: on an idle machine one thread can win a small
/// batch and lose a large one.
constexpr int64_t kWarmupCalls = 1;
constexpr int64_t kFirstProbeCalls = 4;
constexpr double kFirstProbeSeconds = 0.25;
/// Weight of a new sample in the mean of the arm being run, and of a probe
/// in the other's (whose mean is older, so a probe counts for more).
constexpr double kAlpha = 0.25;
constexpr double kProbeAlpha = 0.5;
/// A probe within this factor of the best is inconclusive: the next probe
/// comes as soon (a load that is going away is followed quickly).
constexpr double kCloseRatio = 1.25;
/// Seconds of steps between probes at most, however long the interval in
/// calls: a step of 30 ms would otherwise wait half a minute to notice that
/// the load went away.
constexpr double kMaxProbeSeconds = 2.0;
/// The other arm must be this much faster to take over: a busy core costs
/// 1.3-2x, while a single noisy sample on a quiet machine is off by less.
constexpr double kSwitchMargin = 0.85;
/// Steps and batch sizes remembered at most (a predict loop over ragged
/// batches must not grow the map without bound).
constexpr size_t kMaxStates = 256;
/// How long idle OpenMP workers spin for the next region while all threads
/// win, in ms (libomp's default is 200): long enough for the regions of a
/// step and the next step's, short enough not to take the core (or, on a
/// machine whose cores are hyperthreads, the sibling) from the caller's
/// serial work and from other processes.
constexpr int kSpinBlocktimeMs = 1;
} // namespace

extern "C" int32_t kiln_parallel_threads(int32_t compiled) {
  ++tAsked;
  return tLimit > 0 ? std::min(tLimit, compiled) : compiled;
}

namespace kiln::threads {

void setLimit(int32_t n) { tLimit = n < 0 ? 0 : n; }
int32_t limit() { return tLimit; }
int64_t regionsAsked() { return tAsked; }

bool ThreadTuner::enabled() {
  static const bool on = [] {
    const char *v = std::getenv("KILN_ADAPTIVE_THREADS");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}

ThreadTuner::State &ThreadTuner::state(const void *step, int64_t rows) {
  if (last_ && lastKey_.step == step && lastKey_.rows == rows)
    return *last_;
  if (states_.size() >= kMaxStates && !states_.count({step, rows}))
    states_.clear();
  lastKey_ = {step, rows};
  last_ = &states_[lastKey_];
  return *last_;
}

ThreadTuner::Choice ThreadTuner::choose(const void *step, int64_t rows) {
  State &s = state(step, rows);
  if (s.serial)
    return {0, false, true};
  int arm = s.best;
  if (s.arms[s.best].samples > 0 && probeDue(s))
    arm = 1 - s.best;
  s.probing = arm != s.best;
  return {arm == 0 ? 0 : 1, s.best == 1};
}

bool ThreadTuner::probeDue(const State &s) const {
  if (s.arms[1 - s.best].samples == 0)
    return s.sinceProbe >= kFirstProbeCalls ||
           s.secondsSinceProbe >= kFirstProbeSeconds;
  return s.sinceProbe >= s.interval || s.secondsSinceProbe >= kMaxProbeSeconds;
}

void ThreadTuner::record(const void *step, int64_t rows, int32_t limit,
                         double seconds, bool asked) {
  State &s = state(step, rows);
  if (!asked) {
    s.serial = true;
    return;
  }
  if (s.calls++ < kWarmupCalls)
    return;
  Arm &a = s.arms[limit == 0 ? 0 : 1];
  double alpha = s.probing ? kProbeAlpha : kAlpha;
  a.mean = a.samples == 0 ? seconds : a.mean + alpha * (seconds - a.mean);
  ++a.samples;
  if (!s.probing) {
    ++s.sinceProbe;
    s.secondsSinceProbe += seconds;
    return;
  }
  s.sinceProbe = 0;
  s.secondsSinceProbe = 0;
  int other = 1 - s.best;
  if (s.arms[other].mean < kSwitchMargin * s.arms[s.best].mean) {
    s.best = other;
    s.interval = kMinProbeInterval;
  } else if (s.arms[other].mean > kCloseRatio * s.arms[s.best].mean) {
    s.interval = std::min(s.interval * 2, kMaxProbeInterval);
  }
}

ThreadTuner &tuner() {
  thread_local ThreadTuner t;
  return t;
}

void setWorkersSpin(bool spin) {
  // libomp's kmp_set_blocktime sets the calling thread's ICV, which the
  // teams of its next regions take; found at run time, since the runtime
  // library does not link libomp (the JIT loads it).
  using SetBlocktime = void (*)(int);
  static SetBlocktime set = reinterpret_cast<SetBlocktime>(
      dlsym(RTLD_DEFAULT, "kmp_set_blocktime"));
  thread_local int current = -1;
  int wanted = spin ? 1 : 0;
  if (!set || current == wanted)
    return;
  set(spin ? kSpinBlocktimeMs : 0);
  current = wanted;
}

} // namespace kiln::threads
