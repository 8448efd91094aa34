// A small RAII layer over the HDF5 C API (Debian's libhdf5 1.10) for Keras's
// weight files (frontend-internal). Only H5.cpp includes hdf5.h.
//
// Files come from strangers, so every read checks before it allocates: a
// dataset's element count is compared with what the caller expects (or a
// limit) before any buffer exists, and every failure throws kiln::Error
// naming the file and the object path.
#ifndef KILN_FRONTEND_SAVING_H5_H
#define KILN_FRONTEND_SAVING_H5_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::saving {

/// An HDF5 identifier that closes itself (hid_t is int64_t in HDF5 1.10).
class H5Id {
public:
  H5Id() = default;
  explicit H5Id(int64_t id) : id_(id) {}
  H5Id(H5Id &&o) noexcept : id_(o.id_) { o.id_ = -1; }
  H5Id &operator=(H5Id &&o) noexcept;
  H5Id(const H5Id &) = delete;
  H5Id &operator=(const H5Id &) = delete;
  ~H5Id();
  int64_t get() const { return id_; }

private:
  int64_t id_ = -1;
};

/// A group (or the root) of an open file; `path` is for messages.
class H5Group {
public:
  H5Group(std::shared_ptr<H5Id> file, H5Id id, std::string fileName,
          std::string path);

  const std::string &path() const { return path_; }
  const std::string &fileName() const { return *fileName_; }
  /// "file.h5: /model_weights/dense: " for messages.
  std::string where(const std::string &child = "") const;

  /// Whether `relPath` (components separated by '/') names a link.
  bool has(const std::string &relPath) const;
  bool hasGroup(const std::string &relPath) const;
  bool hasDataset(const std::string &relPath) const;
  H5Group group(const std::string &relPath) const;
  H5Group createGroup(const std::string &name);
  /// The names of the direct children, in name order.
  std::vector<std::string> children() const;

  bool hasAttr(const std::string &name) const;
  /// A string attribute: fixed- or variable-length, scalar or 1-element.
  std::string stringAttr(const std::string &name) const;
  /// A list of strings: fixed- or variable-length; an empty numeric array
  /// (Keras's empty weight_names) is an empty list. Keras splits long lists
  /// into `name0`, `name1`, ...; those are joined.
  std::vector<std::string> stringsAttr(const std::string &name) const;
  void setStringAttr(const std::string &name, const std::string &value);
  /// As Keras 2 writes them: variable-length UTF-8 strings, an empty list as
  /// an empty float64 array, and chunks `name0`, `name1`, ... when the list
  /// would not fit an HDF5 object header.
  void setStringsAttr(const std::string &name,
                      const std::vector<std::string> &values);

  /// The dataset's dimensions (rank <= 32); throws if it is not a dataset.
  Shape datasetShape(const std::string &relPath) const;
  /// Reads a float dataset as f32 (or an integer one as i64 with
  /// `asInteger`). Throws unless its shape equals `expected`.
  Tensor readDataset(const std::string &relPath, const Shape &expected,
                     bool asInteger = false) const;
  /// Reads a dataset of at most `maxElements` elements, any shape.
  Tensor readDatasetUpTo(const std::string &relPath, int64_t maxElements,
                         bool asInteger = false) const;
  /// Writes an f32 or i64 tensor as a contiguous dataset (parents created).
  void writeDataset(const std::string &relPath, const Tensor &value);

private:
  int64_t openObject(const std::string &relPath, int type) const;
  Tensor readAs(const std::string &relPath, const Shape &shape,
                bool asInteger) const;

  std::shared_ptr<H5Id> file_;
  std::shared_ptr<H5Id> id_;
  std::shared_ptr<std::string> fileName_;
  std::string path_;
};

/// An open HDF5 file.
class H5File {
public:
  /// Opens `path` read-only; throws if it is missing or not HDF5.
  static H5File open(const std::string &path);
  /// Opens an in-memory file image read-only; `name` labels messages.
  static H5File openImage(const std::string &name, const std::string &bytes);
  /// Creates an empty file in memory; image() returns its bytes.
  static H5File create(const std::string &name);

  H5Group root() const;
  /// The bytes of a file made by create().
  std::string image() const;
  const std::string &name() const { return name_; }

private:
  H5File(std::shared_ptr<H5Id> id, std::string name)
      : id_(std::move(id)), name_(std::move(name)) {}
  std::shared_ptr<H5Id> id_;
  std::string name_;
};

/// Whether `bytes` start with the HDF5 signature.
bool looksLikeHdf5(const std::string &bytes);

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_H5_H
