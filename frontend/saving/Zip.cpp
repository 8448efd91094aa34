// libzip behind Zip.h.
#include "frontend/saving/Zip.h"

#include "runtime/Error.h"

#include <zip.h>

namespace kiln::saving {
namespace {

/// More entries than any Keras archive has; a directory of millions of
/// entries is refused before it is listed.
constexpr zip_int64_t kMaxEntries = 1 << 16;

std::string zipMessage(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

bool unsafeName(const std::string &name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos ||
      name.find(':') != std::string::npos)
    return true;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos)
      end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2)
      return true;
    start = end + 1;
  }
  return false;
}

} // namespace

struct ZipReader::State {
  std::string name;
  std::string bytes; // the archive itself when read from memory
  zip_t *archive = nullptr;
  ~State() {
    if (archive)
      zip_discard(archive);
  }
};

ZipReader::ZipReader(std::unique_ptr<State> s) : s_(std::move(s)) {}
ZipReader::~ZipReader() = default;
ZipReader::ZipReader(ZipReader &&) noexcept = default;
ZipReader &ZipReader::operator=(ZipReader &&) noexcept = default;

ZipReader ZipReader::open(const std::string &path) {
  auto s = std::make_unique<State>();
  s->name = path;
  int code = 0;
  s->archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!s->archive)
    throwError(path, ": not a readable zip archive (", zipMessage(code), ")");
  ZipReader r(std::move(s));
  r.names(); // reject hostile names before anything is read
  return r;
}

ZipReader ZipReader::fromBytes(const std::string &name, std::string bytes) {
  auto s = std::make_unique<State>();
  s->name = name;
  s->bytes = std::move(bytes);
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t *src =
      zip_source_buffer_create(s->bytes.data(), s->bytes.size(), 0, &err);
  if (src)
    s->archive = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!s->archive) {
    std::string msg = zip_error_strerror(&err);
    if (src)
      zip_source_free(src);
    zip_error_fini(&err);
    throwError(name, ": not a readable zip archive (", msg, ")");
  }
  zip_error_fini(&err);
  ZipReader r(std::move(s));
  r.names();
  return r;
}

std::vector<std::string> ZipReader::names() const {
  zip_int64_t n = zip_get_num_entries(s_->archive, 0);
  if (n < 0 || n > kMaxEntries)
    throwError(s_->name, ": the archive lists ", n, " entries (limit ",
               kMaxEntries, ")");
  std::vector<std::string> out;
  for (zip_int64_t i = 0; i < n; ++i) {
    const char *name = zip_get_name(s_->archive, zip_uint64_t(i), ZIP_FL_ENC_GUESS);
    if (!name)
      throwError(s_->name, ": archive entry ", i, " has no readable name");
    if (unsafeName(name))
      throwError(s_->name, ": archive entry '", name,
                 "' has an unsafe path (absolute, '..', ':' or '\\')");
    out.push_back(name);
  }
  return out;
}

bool ZipReader::has(const std::string &entry) const {
  return zip_name_locate(s_->archive, entry.c_str(), 0) >= 0;
}

uint64_t ZipReader::declaredSize(const std::string &entry) const {
  zip_int64_t idx = zip_name_locate(s_->archive, entry.c_str(), 0);
  zip_stat_t st;
  zip_stat_init(&st);
  if (idx < 0 || zip_stat_index(s_->archive, zip_uint64_t(idx), 0, &st) < 0 ||
      !(st.valid & ZIP_STAT_SIZE))
    throwError(s_->name, ": the archive has no readable entry '", entry, "'");
  return st.size;
}

std::string ZipReader::read(const std::string &entry, uint64_t maxBytes) const {
  std::string where = s_->name + ": archive entry '" + entry + "': ";
  zip_int64_t idx = zip_name_locate(s_->archive, entry.c_str(), 0);
  if (idx < 0)
    throwError(s_->name, ": the archive has no entry '", entry, "'");
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(s_->archive, zip_uint64_t(idx), 0, &st) < 0)
    throwError(where, "unreadable directory entry");
  if ((st.valid & ZIP_STAT_SIZE) && st.size > maxBytes)
    throwError(where, "inflates to ", st.size, " bytes (limit ", maxBytes, ")");
  zip_file_t *f = zip_fopen_index(s_->archive, zip_uint64_t(idx), 0);
  if (!f)
    throwError(where, "cannot open (",
               zip_error_strerror(zip_get_error(s_->archive)), ")");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    zip_int64_t got = zip_fread(f, buf, sizeof buf);
    if (got < 0) {
      std::string msg = zip_file_strerror(f);
      zip_fclose(f);
      throwError(where, "corrupt data (", msg, ")");
    }
    if (got == 0)
      break;
    if (out.size() + uint64_t(got) > maxBytes) {
      zip_fclose(f);
      throwError(where, "inflates past ", maxBytes, " bytes");
    }
    out.append(buf, size_t(got));
  }
  int rc = zip_fclose(f);
  if (rc != 0)
    throwError(where, "corrupt data (", zipMessage(rc), ")");
  if ((st.valid & ZIP_STAT_SIZE) && out.size() != st.size)
    throwError(where, "inflated to ", out.size(), " bytes but declares ",
               st.size);
  return out;
}

std::string makeZip(const std::vector<std::pair<std::string, std::string>> &entries) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t *src = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &err) : nullptr;
  if (!za) {
    std::string msg = zip_error_strerror(&err);
    if (src)
      zip_source_free(src);
    zip_error_fini(&err);
    throwError("cannot create a zip archive in memory (", msg, ")");
  }
  zip_error_fini(&err);
  zip_source_keep(src); // read back after zip_close
  for (const auto &[name, data] : entries) {
    zip_source_t *s = zip_source_buffer(za, data.data(), data.size(), 0);
    zip_int64_t idx = s ? zip_file_add(za, name.c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
      if (s)
        zip_source_free(s);
      zip_discard(za);
      zip_source_free(src);
      throwError("cannot add '", name, "' to a zip archive");
    }
    zip_set_file_compression(za, zip_uint64_t(idx), ZIP_CM_STORE, 0);
  }
  if (zip_close(za) < 0) {
    std::string msg = zip_error_strerror(zip_get_error(za));
    zip_discard(za);
    zip_source_free(src);
    throwError("cannot write a zip archive (", msg, ")");
  }
  std::string out;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_open(src) < 0 || zip_source_stat(src, &st) < 0) {
    zip_source_free(src);
    throwError("cannot read back a zip archive built in memory");
  }
  out.resize(size_t(st.size));
  zip_int64_t got = zip_source_read(src, out.data(), out.size());
  zip_source_close(src);
  zip_source_free(src);
  if (got != zip_int64_t(out.size()))
    throwError("cannot read back a zip archive built in memory");
  return out;
}

} // namespace kiln::saving
