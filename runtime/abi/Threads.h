// How many threads a compiled step's parallel regions use, chosen at run
// time.
//
// Compiled code asks `kiln_parallel_threads(compiled)` before each parallel
// region (`compiled` is the count it was generated for) and runs the region
// on that many threads, or on the calling thread alone when the answer is 1.
// The work of a region is split into the same chunks either way, so results
// are bit-identical at any count.
//
// Users' machines are shared: with one core taken by another process, a
// region split over all cores waits at its join for the thread that shares
// a core, and runs slower than on one thread. A ThreadTuner measures the
// step on all threads and on one and keeps running the faster, probing the
// other now and then (more rarely while the choice keeps winning), so the
// default follows a machine whose load changes.
#ifndef KILN_RUNTIME_ABI_THREADS_H
#define KILN_RUNTIME_ABI_THREADS_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

extern "C" {
/// The threads for the next parallel region of compiled code on the calling
/// thread: `compiled`, or fewer when the caller limited them (setLimit).
int32_t kiln_parallel_threads(int32_t compiled);
}

namespace kiln::threads {

/// Limits the calling thread's compiled parallel regions to `n` threads
/// (0: no limit, the compiled count).
void setLimit(int32_t n);
int32_t limit();
/// How many times compiled code on the calling thread has asked for a
/// region's thread count (kiln_parallel_threads): a call of a step that
/// leaves it unchanged ran no parallel loop of several iterations.
int64_t regionsAsked();

/// Chooses, per step and batch size, between the compiled thread count and
/// one thread from measured times. Not shared between threads: each calling
/// thread has its own (tuner()), so a step pays no lock for it.
class ThreadTuner {
public:
  struct Choice {
    int32_t limit = 0;        ///< for setLimit: 0 (all threads) or 1
    bool oneThreadWins = false; ///< the choice between probes is one thread
    /// The step asked for no thread count when it ran: the limit cannot
    /// change it, so the call needs no timing (and no record).
    bool serial = false;
  };
  /// How to run the next call of (step, rows).
  Choice choose(const void *step, int64_t rows);
  /// Records that the call chose `limit` and took `seconds`; `asked`: it
  /// asked for a thread count (see regionsAsked). A call that did not makes
  /// (step, rows) serial from then on.
  void record(const void *step, int64_t rows, int32_t limit, double seconds,
              bool asked = true);

  /// Whether tuning is on: KILN_ADAPTIVE_THREADS=0 turns it off (steps then
  /// always use the compiled count).
  static bool enabled();

  /// Calls between probes of the losing choice: from kMinProbeInterval,
  /// doubling each time the probe loses clearly, up to kMaxProbeInterval
  /// (and at most a few seconds of steps apart).
  static constexpr int64_t kMinProbeInterval = 16;
  static constexpr int64_t kMaxProbeInterval = 1024;

private:
  struct Arm {
    double mean = 0; ///< exponentially weighted mean of the seconds
    int64_t samples = 0;
  };
  struct Key {
    const void *step;
    int64_t rows;
    bool operator<(const Key &o) const {
      return step != o.step ? step < o.step : rows < o.rows;
    }
  };
  struct State {
    Arm arms[2];      ///< [0]: all threads, [1]: one thread
    int best = 0;     ///< the arm being exploited
    int64_t calls = 0;
    int64_t sinceProbe = 0;
    double secondsSinceProbe = 0;
    int64_t interval = kMinProbeInterval;
    bool probing = false;
    bool serial = false;
  };
  State &state(const void *step, int64_t rows);
  bool probeDue(const State &s) const;

  std::map<Key, State> states_;
  /// The last state looked up: choose and record of one call find it
  /// without a search.
  Key lastKey_{nullptr, -1};
  State *last_ = nullptr;
};

/// The calling thread's tuner (used by the runtime's fit, evaluate and
/// predict).
ThreadTuner &tuner();

/// Whether idle OpenMP workers spin a little (1 ms, for the next region of
/// the step) or sleep at once after a region. While one thread wins, the
/// workers of an occasional probe must not spin on the cores the step and
/// the other process need. A no-op without the OpenMP runtime.
void setWorkersSpin(bool spin);

} // namespace kiln::threads

#endif // KILN_RUNTIME_ABI_THREADS_H
