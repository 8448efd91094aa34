// The HDF5 C API behind H5.h.
#include "frontend/saving/H5.h"

#include "frontend/saving/Limits.h"

#include "runtime/Error.h"

#include <hdf5.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <functional>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstring>
#include <fstream>
#include <type_traits>

static_assert(std::is_same_v<hid_t, int64_t>, "H5Id stores an hid_t");

namespace kiln::saving {
namespace {

/// Keras splits attribute lists above this many bytes (HDF5's object header
/// limit, HDF5_OBJECT_HEADER_LIMIT in Keras).
constexpr size_t kHeaderLimit = 64512;
/// No string list in a Keras file comes near these; a hostile one may.
constexpr int64_t kMaxStrings = 1 << 20;
constexpr size_t kMaxStringBytes = 64u << 20;

/// HDF5 prints a stack of errors to stderr by default; Kiln reports its own.
void quietHdf5() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

std::vector<std::string> split(const std::string &path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty())
        parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty())
    parts.push_back(cur);
  return parts;
}

int64_t product(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > INT64_MAX / d))
      return -1;
    n *= d;
  }
  return n;
}

/// A variable-length UTF-8 C string type for memory and for writing.
H5Id varString() {
  H5Id t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

/// Reads every element of attribute or dataset `obj` as strings.
std::vector<std::string> readStrings(hid_t attr, const std::string &where) {
  H5Id type(H5Aget_type(attr)), space(H5Aget_space(attr));
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (type.get() < 0 || space.get() < 0 || n < 0)
    throwError(where, "unreadable attribute");
  if (n > kMaxStrings)
    throwError(where, "attribute holds ", n, " entries (limit ", kMaxStrings,
               ")");
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_STRING) {
    if (n == 0 && (cls == H5T_FLOAT || cls == H5T_INTEGER))
      return {}; // Keras writes an empty list as an empty float64 array
    throwError(where, "expected strings, found another type");
  }
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Id mem = varString();
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char *> ptrs(size_t(n), nullptr);
    if (H5Aread(attr, mem.get(), ptrs.data()) < 0)
      throwError(where, "cannot read the string attribute");
    size_t total = 0;
    for (char *p : ptrs) {
      std::string s = p ? p : "";
      total += s.size();
      out.push_back(std::move(s));
    }
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    if (total > kMaxStringBytes)
      throwError(where, "attribute strings exceed ", kMaxStringBytes, " bytes");
    return out;
  }
  size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxStringBytes ||
      size_t(n) > kMaxStringBytes / size)
    throwError(where, "fixed-length strings of ", size, " bytes x ", n,
               " exceed ", kMaxStringBytes, " bytes");
  std::vector<char> buf(size * size_t(n));
  H5Id mem(H5Tcopy(type.get()));
  if (H5Aread(attr, mem.get(), buf.data()) < 0)
    throwError(where, "cannot read the string attribute");
  bool spaces = H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD;
  for (hssize_t i = 0; i < n; ++i) {
    const char *p = buf.data() + size * size_t(i);
    std::string s(p, strnlen(p, size));
    while (spaces && !s.empty() && s.back() == ' ')
      s.pop_back();
    out.push_back(std::move(s));
  }
  return out;
}

struct Walk {
  uint64_t budget; // bytes of dataset values still to read
  bool ok = true;
};

herr_t readAttribute(hid_t obj, const char *name, const H5A_info_t *, void *data) {
  auto *w = static_cast<Walk *>(data);
  H5Id a(H5Aopen(obj, name, H5P_DEFAULT));
  H5Id type(a.get() < 0 ? -1 : H5Aget_type(a.get()));
  if (type.get() < 0) {
    w->ok = false;
    return 0;
  }
  try {
    if (H5Tget_class(type.get()) == H5T_STRING)
      readStrings(a.get(), "");
  } catch (const Error &) {
    w->ok = false;
  }
  return 0;
}

herr_t readObject(hid_t root, const char *name, const H5O_info_t *, void *data) {
  auto *w = static_cast<Walk *>(data);
  H5Id obj(H5Oopen(root, name, H5P_DEFAULT));
  if (obj.get() < 0) {
    w->ok = false;
    return 0;
  }
  hsize_t idx = 0;
  if (H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, readAttribute, w) < 0)
    w->ok = false;
  if (H5Iget_type(obj.get()) != H5I_DATASET)
    return 0;
  H5Id type(H5Dget_type(obj.get())), space(H5Dget_space(obj.get()));
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  H5T_class_t cls = H5Tget_class(type.get());
  if (n <= 0 || (cls != H5T_FLOAT && cls != H5T_INTEGER) ||
      uint64_t(n) * 8 > w->budget)
    return 0; // Kiln's readers refuse these before reading
  w->budget -= uint64_t(n) * 8;
  std::vector<int64_t> buf(static_cast<size_t>(n));
  if (H5Dread(obj.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0 ||
      H5Dread(obj.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    w->ok = false;
  return 0;
}

/// Opens the file with `open` in a child process and reads everything
/// Kiln's readers may read: libhdf5 1.10 trusts a file's internal sizes and
/// can crash on a corrupt one, so the parent only touches a file a child
/// has read to the end. Throws naming the file when the child fails.
void vetInChild(const std::function<hid_t()> &open, const std::string &name,
                uint64_t maxDataBytes) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0)
    throwError(name, ": cannot start the process that checks the HDF5 file (",
               std::strerror(errno), ")");
  if (pid == 0) {
    // The child: a minute of CPU at most, then out without destructors.
    rlim_t seconds = limits().hdf5CheckSeconds + 1;
    struct rlimit cpu = {seconds, seconds};
    ::setrlimit(RLIMIT_CPU, &cpu);
    hid_t f = open();
    if (f < 0)
      ::_exit(3);
    Walk w{maxDataBytes};
    bool ok = H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, readObject, &w,
                        H5O_INFO_BASIC) >= 0 && w.ok;
    ::_exit(ok ? 0 : 4);
  }
  // Wait with a deadline: a child stuck in a loop is killed.
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::seconds(limits().hdf5CheckSeconds);
  for (useconds_t pause = 100;; pause = std::min<useconds_t>(pause * 2, 20000)) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR)
      throwError(name, ": lost the process that checks the HDF5 file");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      throwError(name, ": corrupt HDF5 data (the HDF5 library did not finish "
                       "reading it in ", limits().hdf5CheckSeconds, " s)");
    }
    ::usleep(pause);
  }
  if (WIFSIGNALED(status))
    throwError(name, ": corrupt HDF5 data (the HDF5 library crashed reading it: ",
               strsignal(WTERMSIG(status)), ")");
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 3)
    throwError(name, ": cannot open the HDF5 data (truncated or corrupt)");
  if (WEXITSTATUS(status) != 0)
    throwError(name, ": corrupt HDF5 data (unreadable objects)");
}

} // namespace

H5Id &H5Id::operator=(H5Id &&o) noexcept {
  if (this != &o) {
    this->~H5Id();
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

H5Id::~H5Id() {
  if (id_ >= 0)
    H5Idec_ref(id_);
  id_ = -1;
}

H5Group::H5Group(std::shared_ptr<H5Id> file, H5Id id, std::string fileName,
                 std::string path)
    : file_(std::move(file)), id_(std::make_shared<H5Id>(std::move(id))),
      fileName_(std::make_shared<std::string>(std::move(fileName))),
      path_(std::move(path)) {}

std::string H5Group::where(const std::string &child) const {
  std::string p = path_ == "/" ? "/" + child : path_ + (child.empty() ? "" : "/" + child);
  return *fileName_ + ": " + p + ": ";
}

bool H5Group::has(const std::string &relPath) const {
  std::vector<std::string> parts = split(relPath);
  if (parts.empty())
    return false;
  std::string prefix;
  for (const std::string &p : parts) {
    prefix += (prefix.empty() ? "" : "/") + p;
    if (H5Lexists(id_->get(), prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    // Only hard links: soft and external links could point anywhere, even
    // into another file.
    H5L_info_t info;
    if (H5Lget_info(id_->get(), prefix.c_str(), &info, H5P_DEFAULT) < 0 ||
        info.type != H5L_TYPE_HARD)
      return false;
  }
  return true;
}

int64_t H5Group::openObject(const std::string &relPath, int type) const {
  if (!has(relPath))
    return -1;
  hid_t obj = H5Oopen(id_->get(), relPath.c_str(), H5P_DEFAULT);
  if (obj < 0)
    return -1;
  if (H5Iget_type(obj) != H5I_type_t(type)) {
    H5Oclose(obj);
    return -1;
  }
  return obj;
}

bool H5Group::hasGroup(const std::string &relPath) const {
  H5Id g(openObject(relPath, H5I_GROUP));
  return g.get() >= 0;
}

bool H5Group::hasDataset(const std::string &relPath) const {
  H5Id d(openObject(relPath, H5I_DATASET));
  return d.get() >= 0;
}

H5Group H5Group::group(const std::string &relPath) const {
  H5Id g(openObject(relPath, H5I_GROUP));
  if (g.get() < 0)
    throwError(where(relPath), "no such group");
  std::string p = path_ == "/" ? "/" + relPath : path_ + "/" + relPath;
  return H5Group(file_, std::move(g), *fileName_, p);
}

H5Group H5Group::createGroup(const std::string &name) {
  if (hasGroup(name))
    return group(name);
  H5Id lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  H5Id g(H5Gcreate2(id_->get(), name.c_str(), lcpl.get(), H5P_DEFAULT,
                    H5P_DEFAULT));
  if (g.get() < 0)
    throwError(where(name), "cannot create the group");
  std::string p = path_ == "/" ? "/" + name : path_ + "/" + name;
  return H5Group(file_, std::move(g), *fileName_, p);
}

std::vector<std::string> H5Group::children() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char *name, const H5L_info_t *,
                    void *data) -> herr_t {
    auto *out = static_cast<std::vector<std::string> *>(data);
    if (out->size() >= size_t(kMaxStrings))
      return 1; // stop: no real model has this many children
    out->push_back(name);
    return 0;
  };
  hsize_t idx = 0;
  if (H5Literate(id_->get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect,
                 &names) < 0)
    throwError(where(), "cannot list the group");
  return names;
}

bool H5Group::hasAttr(const std::string &name) const {
  return H5Aexists(id_->get(), name.c_str()) > 0;
}

std::string H5Group::stringAttr(const std::string &name) const {
  if (!hasAttr(name))
    throwError(where(), "no attribute '", name, "'");
  H5Id attr(H5Aopen(id_->get(), name.c_str(), H5P_DEFAULT));
  std::vector<std::string> s = readStrings(attr.get(), where() + "attribute '" + name + "': ");
  if (s.size() != 1)
    throwError(where(), "attribute '", name, "' holds ", s.size(),
               " strings, expected one");
  return s.front();
}

std::vector<std::string> H5Group::stringsAttr(const std::string &name) const {
  if (hasAttr(name)) {
    H5Id attr(H5Aopen(id_->get(), name.c_str(), H5P_DEFAULT));
    return readStrings(attr.get(), where() + "attribute '" + name + "': ");
  }
  std::vector<std::string> all;
  for (int chunk = 0; hasAttr(name + std::to_string(chunk)); ++chunk) {
    std::vector<std::string> part = stringsAttr(name + std::to_string(chunk));
    if (all.size() + part.size() > size_t(kMaxStrings))
      throwError(where(), "attribute '", name, "' has too many entries");
    all.insert(all.end(), part.begin(), part.end());
  }
  if (all.empty() && !hasAttr(name + "0"))
    throwError(where(), "no attribute '", name, "'");
  return all;
}

void H5Group::setStringAttr(const std::string &name, const std::string &value) {
  H5Id type = varString();
  H5Id space(H5Screate(H5S_SCALAR));
  H5Id attr(H5Acreate2(id_->get(), name.c_str(), type.get(), space.get(),
                       H5P_DEFAULT, H5P_DEFAULT));
  const char *p = value.c_str();
  if (attr.get() < 0 || H5Awrite(attr.get(), type.get(), &p) < 0)
    throwError(where(), "cannot write attribute '", name, "'");
}

void H5Group::setStringsAttr(const std::string &name,
                             const std::vector<std::string> &values) {
  auto write = [&](const std::string &attrName, size_t begin, size_t end) {
    hsize_t n = end - begin;
    H5Id space(H5Screate_simple(1, &n, nullptr));
    H5Id type = n ? varString() : H5Id(H5Tcopy(H5T_IEEE_F64LE));
    H5Id attr(H5Acreate2(id_->get(), attrName.c_str(), type.get(), space.get(),
                         H5P_DEFAULT, H5P_DEFAULT));
    std::vector<const char *> ptrs;
    for (size_t i = begin; i < end; ++i)
      ptrs.push_back(values[i].c_str());
    double none = 0;
    if (attr.get() < 0 ||
        H5Awrite(attr.get(), type.get(),
                 n ? static_cast<const void *>(ptrs.data()) : &none) < 0)
      throwError(where(), "cannot write attribute '", attrName, "'");
  };
  // Keras measures the list as a NumPy unicode array (4 bytes a character)
  // and splits it evenly until every chunk fits.
  size_t longest = 0;
  for (const std::string &v : values)
    longest = std::max(longest, v.size());
  size_t chunks = 1;
  auto chunkBytes = [&](size_t c) {
    return (values.size() + c - 1) / c * longest * 4;
  };
  while (values.size() > chunks && chunkBytes(chunks) > kHeaderLimit)
    ++chunks;
  if (chunks == 1)
    return write(name, 0, values.size());
  // numpy.array_split: the first (n % chunks) parts get one more element.
  size_t base = values.size() / chunks, extra = values.size() % chunks, at = 0;
  for (size_t c = 0; c < chunks; ++c) {
    size_t len = base + (c < extra ? 1 : 0);
    write(name + std::to_string(c), at, at + len);
    at += len;
  }
}

Shape H5Group::datasetShape(const std::string &relPath) const {
  H5Id d(openObject(relPath, H5I_DATASET));
  if (d.get() < 0)
    throwError(where(relPath), "no such dataset");
  H5Id space(H5Dget_space(d.get()));
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 32)
    throwError(where(relPath), "unreadable dataspace");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape shape;
  for (hsize_t d : dims) {
    if (d > hsize_t(INT64_MAX))
      throwError(where(relPath), "dimension ", d, " is too large");
    shape.push_back(int64_t(d));
  }
  if (product(shape) < 0)
    throwError(where(relPath), "shape ", shapeToString(shape),
               " overflows 64 bits");
  return shape;
}

Tensor H5Group::readAs(const std::string &relPath, const Shape &shape,
                       bool asInteger) const {
  H5Id d(openObject(relPath, H5I_DATASET));
  H5Id type(H5Dget_type(d.get()));
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throwError(where(relPath), "expected a numeric dataset");
  Tensor t = Tensor::zeros(shape, asInteger ? DType::i64 : DType::f32);
  hid_t mem = asInteger ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT;
  if (t.size() > 0 &&
      H5Dread(d.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw()) < 0)
    throwError(where(relPath), "cannot read the data (truncated or corrupt "
                               "file, or an unsupported filter)");
  return t;
}

Tensor H5Group::readDataset(const std::string &relPath, const Shape &expected,
                            bool asInteger) const {
  Shape shape = datasetShape(relPath);
  if (shape != expected)
    throwError(where(relPath), "has shape ", shapeToString(shape),
               " but the model expects ", shapeToString(expected));
  return readAs(relPath, shape, asInteger);
}

Tensor H5Group::readDatasetUpTo(const std::string &relPath, int64_t maxElements,
                                bool asInteger) const {
  Shape shape = datasetShape(relPath);
  if (product(shape) > maxElements)
    throwError(where(relPath), "shape ", shapeToString(shape), " exceeds ",
               maxElements, " elements");
  return readAs(relPath, shape, asInteger);
}

void H5Group::writeDataset(const std::string &relPath, const Tensor &value) {
  std::vector<hsize_t> dims(value.shape().begin(), value.shape().end());
  H5Id space(dims.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(int(dims.size()), dims.data(), nullptr));
  bool integer = value.dtype() != DType::f32;
  Tensor data = integer ? value.astype(DType::i64) : value;
  H5Id lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  H5Id d(H5Dcreate2(id_->get(), relPath.c_str(),
                    integer ? H5T_STD_I64LE : H5T_IEEE_F32LE, space.get(),
                    lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (d.get() < 0 ||
      H5Dwrite(d.get(), integer ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT, H5S_ALL,
               H5S_ALL, H5P_DEFAULT, data.raw()) < 0)
    throwError(where(relPath), "cannot write the dataset");
}

H5File H5File::open(const std::string &path) {
  quietHdf5();
  if (!std::ifstream(path, std::ios::binary))
    throwError(path, ": cannot open the file");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throwError(path, ": not an HDF5 file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  uint64_t size = uint64_t(std::max<std::streamoff>(in.tellg(), 0));
  vetInChild([&] { return H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); },
             path, 4 * size + (64u << 20));
  auto id = std::make_shared<H5Id>(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (id->get() < 0)
    throwError(path, ": cannot open the HDF5 file (truncated or corrupt)");
  return H5File(std::move(id), path);
}

H5File H5File::openImage(const std::string &name, const std::string &bytes) {
  quietHdf5();
  if (!looksLikeHdf5(bytes))
    throwError(name, ": not an HDF5 file");
  // The core driver keeps files by name: each image gets its own.
  static std::atomic<unsigned> counter{0};
  std::string unique = "kiln-image-" + std::to_string(counter++) + ".h5";
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_core(fapl.get(), 1 << 16, 0);
  H5Pset_file_image(fapl.get(), const_cast<char *>(bytes.data()), bytes.size());
  vetInChild([&] { return H5Fopen(unique.c_str(), H5F_ACC_RDONLY, fapl.get()); },
             name, 4 * uint64_t(bytes.size()) + (64u << 20));
  auto id = std::make_shared<H5Id>(H5Fopen(unique.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (id->get() < 0)
    throwError(name, ": cannot open the HDF5 data (truncated or corrupt)");
  return H5File(std::move(id), name);
}

H5File H5File::create(const std::string &name) {
  quietHdf5();
  static std::atomic<unsigned> counter{0};
  std::string unique = "kiln-new-" + std::to_string(counter++) + ".h5";
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_core(fapl.get(), 1 << 20, 0);
  auto id = std::make_shared<H5Id>(
      H5Fcreate(unique.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  if (id->get() < 0)
    throwError(name, ": cannot create an HDF5 file in memory");
  return H5File(std::move(id), name);
}

H5Group H5File::root() const {
  H5Id g(H5Gopen2(id_->get(), "/", H5P_DEFAULT));
  if (g.get() < 0)
    throwError(name_, ": cannot open the root group");
  return H5Group(id_, std::move(g), name_, "/");
}

std::string H5File::image() const {
  H5Fflush(id_->get(), H5F_SCOPE_GLOBAL);
  ssize_t size = H5Fget_file_image(id_->get(), nullptr, 0);
  if (size < 0)
    throwError(name_, ": cannot serialize the HDF5 file");
  std::string bytes(size_t(size), '\0');
  if (H5Fget_file_image(id_->get(), bytes.data(), bytes.size()) != size)
    throwError(name_, ": cannot serialize the HDF5 file");
  return bytes;
}

Limits &limits() {
  static Limits l;
  return l;
}

bool looksLikeHdf5(const std::string &bytes) {
  static const char sig[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), sig, 8) == 0;
}

} // namespace kiln::saving
