// Runs a command line in a shell for the tests of Kiln's programs (kilnc,
// kiln, the executables kilnc writes): its exit status and its output.
#ifndef KILN_TEST_UNIT_SUBPROCESS_H
#define KILN_TEST_UNIT_SUBPROCESS_H

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

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

} // namespace kiln::test

#endif // KILN_TEST_UNIT_SUBPROCESS_H
