// Zip archives for Keras's `.keras` files, on Debian's libzip
// (frontend-internal). Only Zip.cpp includes zip.h.
//
// Reading never extracts anything to disk and never trusts an entry's
// declared size: each read is capped, and an entry that inflates past its
// cap (a zip bomb) or past its declared size is an error naming the entry.
#ifndef KILN_FRONTEND_SAVING_ZIP_H
#define KILN_FRONTEND_SAVING_ZIP_H

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kiln::saving {

class ZipReader {
public:
  /// Opens the archive at `path`; throws naming it if it is not a zip.
  static ZipReader open(const std::string &path);
  /// Opens an archive held in memory; `name` labels messages.
  static ZipReader fromBytes(const std::string &name, std::string bytes);
  ~ZipReader();
  ZipReader(ZipReader &&) noexcept;
  ZipReader &operator=(ZipReader &&) noexcept;

  /// Entry names, in archive order. Throws if a name is absolute, has a
  /// '..' component or a backslash: Kiln extracts nothing, but such an
  /// archive was made to attack whoever does.
  std::vector<std::string> names() const;
  bool has(const std::string &entry) const;
  /// The inflated size the directory declares (a claim, not a promise).
  uint64_t declaredSize(const std::string &entry) const;
  /// The entry's bytes; throws if it is missing, corrupt (CRC) or larger
  /// than `maxBytes` once inflated.
  std::string read(const std::string &entry, uint64_t maxBytes) const;

private:
  struct State;
  explicit ZipReader(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

/// Builds an archive in memory: entries STORED, in the order added, as
/// Python's zipfile writes them for Keras.
std::string makeZip(const std::vector<std::pair<std::string, std::string>> &entries);

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_ZIP_H
