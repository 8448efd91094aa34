// kiln::io::parsePyDict: the Python dict literal that heads a .npy file.
#ifndef KILN_RUNTIME_DATA_PYLITERAL_H
#define KILN_RUNTIME_DATA_PYLITERAL_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::io {

// A Python literal: the subset repr() produces for an .npy header.
struct PyValue {
  enum Kind { Str, Bool, None, Int, Tuple, List } kind = None;
  std::string str;
  bool boolean = false;
  int64_t integer = 0;
  std::vector<PyValue> items;
};

// "a string", "an int", ... for error messages.
const char *kindName(PyValue::Kind kind);

// Parses `text` as a dict literal with string keys, allowing any spacing,
// either quote style, trailing commas and Python 2's "3L" integers; trailing
// spaces and newlines (NumPy's padding) are ignored. `(3)` is the int 3, as
// in Python. Throws kiln::Error naming `path`, the byte offset (`text`
// starts at `fileOffset`) and the header text.
std::map<std::string, PyValue> parsePyDict(const std::string &text,
                                           const std::string &path,
                                           uint64_t fileOffset);

} // namespace kiln::io

#endif // KILN_RUNTIME_DATA_PYLITERAL_H
