//===- CacheFile.h - The compile cache's files ------------------*- C++ -*-===//
//
// The compile cache keeps each compiled model as one file, `<key>.kiln`, in
// one folder. The file is little-endian:
//   "KILNCCH\n" | format version u32 | key size u32 | key
//   | section count u32 | per section: name size u32, name, size u64, bytes
//   | CRC-32 of everything before it, u32
// A file that is truncated, corrupt, of another format version or for
// another key reads as absent, and the compile that follows replaces it.
// Writers write a temporary file in the same folder and rename it over the
// entry, so a reader in another process sees the old file or the new one,
// never a part. The folder belongs to its user: a cached object file is
// code that Kiln runs.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CACHE_CACHEFILE_H
#define KILN_RUNTIME_CACHE_CACHEFILE_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::cache {

struct Section {
  std::string name;
  std::string bytes;
};

/// The bytes of the cache file of `sections` under `key`.
std::string encode(std::string_view key, const std::vector<Section> &sections);

/// The sections of a cache file, or nullopt when `bytes` are not a whole,
/// intact file of this format for `key`.
std::optional<std::vector<Section>> decode(std::string_view bytes,
                                           std::string_view key);

/// Whether KILN_CACHE turns the cache off ("off", "0", "false" or "no").
bool disabledByEnvironment();

/// The folder the environment names: $KILN_CACHE_DIR, else
/// $XDG_CACHE_HOME/kiln, else $HOME/.cache/kiln; nullopt without any.
std::optional<std::string> folderFromEnvironment();

/// One cache folder. Keys are 1-128 characters of [0-9a-z_-], as the
/// compiler's hashes are; other keys are never stored or found.
class Folder {
public:
  explicit Folder(std::string path) : path_(std::move(path)) {}

  const std::string &path() const { return path_; }
  /// The file of `key`.
  std::string fileOf(std::string_view key) const;
  /// The sections stored under `key`, or nullopt (no file, or one that does
  /// not decode).
  std::optional<std::vector<Section>> load(std::string_view key) const;
  /// Stores `sections` under `key`, creating the folder; false on any I/O
  /// error, which leaves no temporary file behind.
  bool store(std::string_view key, const std::vector<Section> &sections) const;

private:
  std::string path_;
};

} // namespace kiln::cache

#endif // KILN_RUNTIME_CACHE_CACHEFILE_H
