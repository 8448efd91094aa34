// For the tests of Kiln's programs (kilnc, kiln, the executables kilnc
// writes): a command line run in a shell, its exit status and its output,
// and a scratch folder per test.
#ifndef KILN_TEST_UNIT_SUBPROCESS_H
#define KILN_TEST_UNIT_SUBPROCESS_H

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace kiln::test {

struct Command {
  int status = -1; ///< the exit status; -1 when it did not exit
  std::string output; ///< stdout and stderr together
};

inline Command run(const std::string &command) {
  Command r;
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe)
    return r;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    r.output.append(buffer.data(), n);
  int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// A fresh, empty folder for the running test: <tmp>/<prefix>-<pid>-<test>.
inline std::filesystem::path scratchDir(const std::string &prefix) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

} // namespace kiln::test

#endif // KILN_TEST_UNIT_SUBPROCESS_H
