//===- CacheFile.cpp - The compile cache's files --------------------------===//
#include "runtime/cache/CacheFile.h"

#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::cache {
namespace {

constexpr std::string_view kMagic = "KILNCCH\n";
constexpr uint32_t kFormatVersion = 1;

void putU32(std::string &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

void putU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t crc(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0),
              reinterpret_cast<const Bytef *>(bytes.data()), bytes.size()));
}

/// Reads little-endian fields from `bytes`, failing (and staying failed)
/// past the end.
class Reader {
public:
  explicit Reader(std::string_view bytes) : bytes(bytes) {}
  bool ok() const { return good; }
  bool atEnd() const { return pos == bytes.size(); }
  uint64_t number(int size) {
    if (!take(size))
      return 0;
    uint64_t v = 0;
    for (int i = 0; i < size; ++i)
      v |= uint64_t(static_cast<unsigned char>(bytes[pos - size + i])) << (8 * i);
    return v;
  }
  std::string_view text(uint64_t size) {
    if (!take(size))
      return {};
    return bytes.substr(pos - size, size);
  }

private:
  bool take(uint64_t size) {
    if (!good || size > bytes.size() - pos)
      return good = false;
    pos += size;
    return true;
  }
  std::string_view bytes;
  size_t pos = 0;
  bool good = true;
};

bool validKey(std::string_view key) {
  if (key.empty() || key.size() > 128)
    return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

std::optional<std::string> readFile(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string bytes;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > 0)
    bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      close(fd);
      return std::nullopt;
    }
    if (n == 0)
      break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return bytes;
}

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

} // namespace

std::string encode(std::string_view key, const std::vector<Section> &sections) {
  std::string out(kMagic);
  putU32(out, kFormatVersion);
  putU32(out, static_cast<uint32_t>(key.size()));
  out += key;
  putU32(out, static_cast<uint32_t>(sections.size()));
  for (const Section &s : sections) {
    putU32(out, static_cast<uint32_t>(s.name.size()));
    out += s.name;
    putU64(out, s.bytes.size());
    out += s.bytes;
  }
  putU32(out, crc(out));
  return out;
}

std::optional<std::vector<Section>> decode(std::string_view bytes,
                                           std::string_view key) {
  if (bytes.size() < kMagic.size() + 4 ||
      bytes.substr(0, kMagic.size()) != kMagic)
    return std::nullopt;
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader trailer(bytes.substr(bytes.size() - 4));
  if (trailer.number(4) != crc(body))
    return std::nullopt;
  Reader r(body.substr(kMagic.size()));
  if (r.number(4) != kFormatVersion)
    return std::nullopt;
  if (r.text(r.number(4)) != key || !r.ok())
    return std::nullopt;
  uint64_t count = r.number(4);
  std::vector<Section> sections;
  for (uint64_t i = 0; i < count && r.ok(); ++i) {
    Section s;
    s.name = std::string(r.text(r.number(4)));
    s.bytes = std::string(r.text(r.number(8)));
    sections.push_back(std::move(s));
  }
  if (!r.ok() || !r.atEnd())
    return std::nullopt;
  return sections;
}

bool disabledByEnvironment() {
  const char *value = std::getenv("KILN_CACHE");
  if (!value)
    return false;
  std::string_view v(value);
  return v == "off" || v == "0" || v == "false" || v == "no" || v == "OFF";
}

std::optional<std::string> folderFromEnvironment() {
  if (const char *dir = std::getenv("KILN_CACHE_DIR"); dir && *dir)
    return std::string(dir);
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/kiln";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/kiln";
  return std::nullopt;
}

std::string Folder::fileOf(std::string_view key) const {
  return path_ + "/" + std::string(key) + ".kiln";
}

std::optional<std::vector<Section>> Folder::load(std::string_view key) const {
  if (!validKey(key))
    return std::nullopt;
  std::optional<std::string> bytes = readFile(fileOf(key));
  if (!bytes)
    return std::nullopt;
  return decode(*bytes, key);
}

bool Folder::store(std::string_view key,
                   const std::vector<Section> &sections) const {
  if (!validKey(key))
    return false;
  std::error_code error;
  std::filesystem::create_directories(path_, error);
  if (error)
    return false;
  static std::atomic<unsigned> counter{0};
  std::string file = fileOf(key);
  std::string temporary = file + ".tmp." + std::to_string(getpid()) + "." +
                          std::to_string(counter++);
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                0644);
  if (fd < 0)
    return false;
  bool written = writeAll(fd, encode(key, sections));
  written = close(fd) == 0 && written;
  if (!written || rename(temporary.c_str(), file.c_str()) != 0) {
    unlink(temporary.c_str());
    return false;
  }
  return true;
}

} // namespace kiln::cache
