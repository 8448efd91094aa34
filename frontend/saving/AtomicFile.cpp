// Atomic writes: temporary file, fsync, rename, fsync of the folder.
#include "frontend/saving/AtomicFile.h"

#include "runtime/Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::saving {
namespace {

int64_t failAfter = -1;

std::string folderOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Writes all of `bytes` to `fd`, honouring the test hook.
bool writeAll(int fd, const std::string &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    size_t chunk = std::min<size_t>(bytes.size() - done, 1 << 20);
    if (failAfter >= 0 && done + chunk > uint64_t(failAfter)) {
      chunk = failAfter > int64_t(done) ? size_t(failAfter) - done : 0;
      if (chunk == 0) {
        errno = ENOSPC;
        return false;
      }
    }
    ssize_t n = ::write(fd, bytes.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    done += size_t(n);
  }
  return true;
}

} // namespace

void writeFileAtomically(const std::string &path, const std::string &bytes) {
  std::string tmpl = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throwError(path, ": cannot create a temporary file in ", folderOf(path),
               " (", std::strerror(errno), ")");
  auto fail = [&](const char *what) {
    int e = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throwError(path, ": ", what, " failed (", std::strerror(e),
               "); the previous file, if any, is unchanged");
  };
  // mkstemp makes the file 0600; a saved model is as readable as any file
  // the user creates.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (!writeAll(fd, bytes))
    fail("writing");
  if (::fsync(fd) != 0)
    fail("fsync");
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmpl.c_str());
    throwError(path, ": close failed (", std::strerror(e), ")");
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmpl.c_str());
    throwError(path, ": rename failed (", std::strerror(e), ")");
  }
  // The rename itself is durable once the folder is synced.
  int dir = ::open(folderOf(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string readFile(const std::string &path, uint64_t maxBytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    throwError(path, ": cannot open the file");
  std::streamoff size = in.tellg();
  if (size < 0)
    throwError(path, ": cannot read the file");
  if (uint64_t(size) > maxBytes)
    throwError(path, ": ", size, " bytes exceed the limit of ", maxBytes);
  std::string bytes(size_t(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size))
    throwError(path, ": cannot read the file");
  return bytes;
}

void testing::failWritesAfter(int64_t bytes) { failAfter = bytes; }

} // namespace kiln::saving
