// Helpers for runtime tests: a scratch directory, file writers, error capture.
#ifndef KILN_TEST_UNIT_RUNTIME_TESTUTIL_H
#define KILN_TEST_UNIT_RUNTIME_TESTUTIL_H

#include "runtime/Error.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <zlib.h>

namespace kiln::test {

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kiln-runtime-test-XXXXXX")
            .string();
    if (!mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  std::string path() const { return path_.string(); }
  std::string file(const std::string &name) const {
    return (path_ / name).string();
  }

  // Writes `bytes` to `name` as is and returns the full path.
  std::string write(const std::string &name, const std::string &bytes) const {
    std::string p = file(name);
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
      throw std::runtime_error("cannot write " + p);
    return p;
  }

  // Writes `bytes` gzip-compressed to `name` and returns the full path.
  std::string writeGz(const std::string &name, const std::string &bytes) const {
    std::string p = file(name);
    gzFile f = gzopen(p.c_str(), "wb");
    if (!f)
      throw std::runtime_error("cannot gzopen " + p);
    int written = bytes.empty() ? 0
                                : gzwrite(f, bytes.data(),
                                          static_cast<unsigned>(bytes.size()));
    gzclose(f);
    if (written != static_cast<int>(bytes.size()))
      throw std::runtime_error("gzwrite failed for " + p);
    return p;
  }

private:
  std::filesystem::path path_;
};

inline std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Appends `v` as 4 big-endian bytes.
inline void appendBigEndian32(std::string &s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    s += static_cast<char>((v >> shift) & 0xFF);
}

// Runs `f` and returns the message of the kiln::Error it throws; records a
// test failure if it throws nothing.
template <typename F>
std::string errorOf(F &&f) {
  try {
    f();
  } catch (const kiln::Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a kiln::Error, nothing was thrown";
  return "";
}

// Every `needle` must occur in `message`.
inline ::testing::AssertionResult
containsAll(const std::string &message,
            std::initializer_list<std::string> needles) {
  for (const std::string &needle : needles)
    if (message.find(needle) == std::string::npos)
      return ::testing::AssertionFailure()
             << "missing \"" << needle << "\" in message: " << message;
  return ::testing::AssertionSuccess() << message;
}

} // namespace kiln::test

#endif // KILN_TEST_UNIT_RUNTIME_TESTUTIL_H
