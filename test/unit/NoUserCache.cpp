// Linked into every unit-test binary: the compile cache is off unless a test
// turns it on for a folder of its own, so no test reads or writes the user's
// ~/.cache/kiln and parallel tests never share entries.
#include <cstdlib>

namespace {
const bool cacheOff = [] { return setenv("KILN_CACHE", "off", 1) == 0; }();
} // namespace
