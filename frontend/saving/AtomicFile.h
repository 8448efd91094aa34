// Atomic file writes (frontend-internal): the bytes go to a temporary file
// in the target's folder, are fsync'ed, and replace the target with one
// rename, so a crash or a full disk mid-save leaves the old file intact.
#ifndef KILN_FRONTEND_SAVING_ATOMICFILE_H
#define KILN_FRONTEND_SAVING_ATOMICFILE_H

#include <cstdint>
#include <string>

namespace kiln::saving {

/// Writes `bytes` to `path` atomically; throws naming the path and the
/// system error. On failure the temporary file is removed.
void writeFileAtomically(const std::string &path, const std::string &bytes);

/// Reads a whole file; throws naming it when it is missing, unreadable or
/// larger than `maxBytes`.
std::string readFile(const std::string &path, uint64_t maxBytes);

namespace testing {
/// Makes every later atomic write fail with ENOSPC once `bytes` bytes of it
/// are written (negative: never). For tests of the failure path.
void failWritesAfter(int64_t bytes);
} // namespace testing

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_ATOMICFILE_H
