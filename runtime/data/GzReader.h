// kiln::io::GzReader: sequential reads from a plain or gzip-compressed file.
#ifndef KILN_RUNTIME_DATA_GZREADER_H
#define KILN_RUNTIME_DATA_GZREADER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln::io {

// zlib's gzread passes plain files through unchanged, so every loader reads
// `x` and `x.gz` alike. Offsets are in uncompressed bytes.
class GzReader {
public:
  // Throws kiln::Error naming `path` if it is missing, a directory or
  // unreadable.
  explicit GzReader(const std::string &path);
  ~GzReader();
  GzReader(const GzReader &) = delete;
  GzReader &operator=(const GzReader &) = delete;

  // Reads up to `n` bytes; fewer only at end of file. Throws on corrupt
  // compressed data.
  size_t read(void *dst, size_t n);
  // Reads exactly `n` bytes or throws "<path>: truncated <what>: expected n
  // bytes at byte offset X, only m available".
  void readExact(void *dst, size_t n, const char *what);
  // Reads up to `n` bytes, growing the buffer as data arrives, so a corrupt
  // size field cannot force a huge allocation before the file runs out.
  std::vector<uint8_t> readUpTo(uint64_t n);
  // Reads everything left.
  std::vector<uint8_t> readAll();
  // Reads and discards everything left; returns how many bytes that was.
  uint64_t skipRest();

  // Uncompressed bytes consumed so far.
  uint64_t offset() const { return offset_; }
  const std::string &path() const { return path_; }
  // True when the file is gzip and its stream ended early: the .gz file
  // itself is cut, not only the data inside it.
  bool compressedStreamTruncated() const;

private:
  std::string path_;
  void *file_ = nullptr; // gzFile; kept opaque so zlib.h stays out of headers
  uint64_t offset_ = 0;
};

} // namespace kiln::io

#endif // KILN_RUNTIME_DATA_GZREADER_H
