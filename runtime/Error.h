// kiln::Error, the one exception type the runtime throws, and a helper to build its message.
#ifndef KILN_RUNTIME_ERROR_H
#define KILN_RUNTIME_ERROR_H

#include <sstream>
#include <stdexcept>
#include <string>

namespace kiln {

// Every runtime failure (bad file, bad shape, bad index) is reported as a
// kiln::Error whose what() names the file, value or index at fault, so a user
// can act on the message without a debugger.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Concatenates the arguments with operator<< and throws them as a kiln::Error.
template <typename... Args>
[[noreturn]] void throwError(const Args &...args) {
  std::ostringstream os;
  (os << ... << args);
  throw Error(os.str());
}

} // namespace kiln

#endif // KILN_RUNTIME_ERROR_H
