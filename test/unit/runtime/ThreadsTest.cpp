// Tests the run-time thread count of compiled parallel regions: the limit
// the compiled code reads, and the tuner's choices from measured times
// (fed here by hand, so the test does not depend on the machine's load).
#include "runtime/abi/Threads.h"

#include <gtest/gtest.h>

#include <thread>

using namespace kiln::threads;

namespace {

const void *kStep = reinterpret_cast<const void *>(0x1000);

// Runs `calls` calls of (kStep, rows), one thread taking `one` seconds and
// all threads `all`; returns how many ran on one thread.
int runCalls(ThreadTuner &t, int64_t rows, int calls, double all, double one) {
  int onOne = 0;
  for (int i = 0; i < calls; ++i) {
    ThreadTuner::Choice c = t.choose(kStep, rows);
    onOne += c.limit == 1;
    t.record(kStep, rows, c.limit, c.limit == 1 ? one : all);
  }
  return onOne;
}

TEST(RuntimeThreads, LimitIsPerCallingThreadAndCapsTheCompiledCount) {
  EXPECT_EQ(kiln_parallel_threads(4), 4);
  setLimit(1);
  EXPECT_EQ(kiln_parallel_threads(4), 1);
  std::thread([] { EXPECT_EQ(kiln_parallel_threads(4), 4); }).join();
  setLimit(8);
  EXPECT_EQ(kiln_parallel_threads(4), 4);
  setLimit(0);
  EXPECT_EQ(kiln_parallel_threads(2), 2);
}

TEST(RuntimeThreads, TunerKeepsTheFasterChoiceAndProbesLessAndLess) {
  ThreadTuner t;
  // An idle machine: all threads twice as fast. One thread runs only as a
  // probe: after 4 calls, then every 32, 64, ... calls: 7 probes in 2100
  // calls (4 + 32 + 64 + ... + 1024 = 2020).
  int onOne = runCalls(t, 32, 2100, 1e-3, 2e-3);
  EXPECT_EQ(onOne, 7);
  EXPECT_FALSE(t.choose(kStep, 32).oneThreadWins);
}

TEST(RuntimeThreads, TunerFollowsALoadThatComesAndGoes) {
  ThreadTuner t;
  runCalls(t, 64, 100, 1e-3, 2e-3);
  // Another process takes a core: all threads now take 3 ms. The next probe
  // (at most 64 calls away after 100 idle calls) finds one thread faster.
  runCalls(t, 64, 200, 3e-3, 2e-3);
  EXPECT_TRUE(t.choose(kStep, 64).oneThreadWins);
  int onOne = runCalls(t, 64, 200, 3e-3, 2e-3);
  EXPECT_GE(onOne, 190) << "one thread runs but for rare probes";
  // The load goes: the next probe of all threads (the interval has grown
  // to at most kMaxProbeInterval calls) wins it back.
  runCalls(t, 64, ThreadTuner::kMaxProbeInterval + 1, 1e-3, 2e-3);
  EXPECT_FALSE(t.choose(kStep, 64).oneThreadWins);
  EXPECT_LE(runCalls(t, 64, 100, 1e-3, 2e-3), 1);
}

TEST(RuntimeThreads, LongStepsTryOneThreadEarlyAndKeysAreSeparate) {
  ThreadTuner t;
  runCalls(t, 1, 100, 3e-3, 2e-3);
  ASSERT_TRUE(t.choose(kStep, 1).oneThreadWins);
  // Another step starts on all threads; its steps take 100 ms, so one
  // thread is tried once a quarter second is measured (after the unmeasured
  // first call and three more), before the fourth call would.
  const void *other = reinterpret_cast<const void *>(0x2000);
  int onOne = 0, first = -1;
  for (int i = 0; i < 8; ++i) {
    ThreadTuner::Choice c = t.choose(other, 512);
    if (c.limit == 1 && first < 0)
      first = i;
    onOne += c.limit == 1;
    t.record(other, 512, c.limit, c.limit == 1 ? 80e-3 : 100e-3);
  }
  EXPECT_EQ(first, 4);
  EXPECT_EQ(onOne, 4) << "one thread wins and stays";
}

TEST(RuntimeThreads, TunerIgnoresTheFirstCallAndSmallDifferences) {
  ThreadTuner t;
  // The first call is slow (cold): it must not count against all threads.
  ThreadTuner::Choice first = t.choose(kStep, 8);
  EXPECT_EQ(first.limit, 0);
  t.record(kStep, 8, first.limit, 1.0);
  // One thread is 2% faster: within the margin, all threads stay.
  runCalls(t, 8, 300, 1.00e-3, 0.98e-3);
  EXPECT_FALSE(t.choose(kStep, 8).oneThreadWins);
}

} // namespace

TEST(RuntimeThreads, AStepThatAsksForNoThreadsIsNotTimedAgain) {
  int64_t before = regionsAsked();
  kiln_parallel_threads(2);
  EXPECT_EQ(regionsAsked(), before + 1);
  std::thread([] {
    // Counted per thread.
    EXPECT_EQ(regionsAsked(), 0);
  }).join();

  ThreadTuner t;
  const void *other = reinterpret_cast<const void *>(0x2000);
  EXPECT_FALSE(t.choose(kStep, 1).serial);
  t.record(kStep, 1, 0, 1e-7, /*asked=*/false);
  ThreadTuner::Choice c = t.choose(kStep, 1);
  EXPECT_TRUE(c.serial);
  EXPECT_EQ(c.limit, 0);
  // Another batch size of the same step, and another step, still tune.
  EXPECT_FALSE(t.choose(kStep, 64).serial);
  t.record(other, 1, 0, 1e-3, /*asked=*/true);
  EXPECT_FALSE(t.choose(other, 1).serial);
}
