// .npy reader and writer: preamble, header dict (see PyLiteral.h), raw data.
#include "runtime/data/Npy.h"

#include "runtime/data/GzReader.h"
#include "runtime/data/PyLiteral.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy data is read as little-endian without byte swapping");

namespace kiln::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// How the file's elements map to a tensor.
struct ElementFormat {
  DType dtype;
  size_t fileItemSize;
  bool narrowF64 = false;
};

ElementFormat elementFormat(const std::string &path, const std::string &descr) {
  if (descr.size() >= 2) {
    char order = descr[0];
    std::string code = descr.substr(1);
    bool singleByte = code == "u1";
    bool little = order == '<' || order == '=' || (singleByte && order == '|');
    if (singleByte && (order == '|' || order == '<' || order == '>' ||
                       order == '='))
      return {DType::u8, 1};
    if (order == '>' && (code == "f4" || code == "i4" || code == "i8" ||
                         code == "f8"))
      throwError(path, ": big-endian dtype '", descr,
                 "' is not supported; save the array as little-endian ('<",
                 code, "')");
    if (little && code == "f4")
      return {DType::f32, 4};
    if (little && code == "i4")
      return {DType::i32, 4};
    if (little && code == "i8")
      return {DType::i64, 8};
    if (little && code == "f8")
      return {DType::f32, 8, /*narrowF64=*/true};
  }
  throwError(path, ": unsupported .npy dtype '", descr,
             "'; Kiln reads '<f4', '<i4', '<i8', '|u1' and '<f8' (as f32)");
}

const char *descrOf(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "<f4";
  case DType::i32:
    return "<i4";
  case DType::i64:
    return "<i8";
  case DType::u8:
    return "|u1";
  }
  return "?";
}

uint32_t littleEndian(const unsigned char *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= uint32_t(p[i]) << (8 * i);
  return v;
}

} // namespace

Tensor readNpy(const std::string &path) {
  GzReader in(path);
  unsigned char preamble[8];
  in.readExact(preamble, 8, ".npy preamble (magic string and version)");
  if (std::memcmp(preamble, kMagic, kMagicSize) != 0) {
    std::ostringstream got;
    for (size_t i = 0; i < kMagicSize; ++i)
      got << (i ? " " : "") << "0x" << std::hex
          << static_cast<int>(preamble[i]);
    throwError(path, ": not a .npy file: expected the magic string \\x93NUMPY "
                     "(0x93 0x4e 0x55 0x4d 0x50 0x59), got ",
               got.str());
  }
  int major = preamble[6], minor = preamble[7];
  if (major < 1 || major > 3 || minor != 0)
    throwError(path, ": unsupported .npy format version ", major, ".", minor,
               "; Kiln reads 1.0, 2.0 and 3.0");

  // Version 1.0 stores the header length in 2 bytes, later versions in 4.
  size_t lengthBytes = major == 1 ? 2 : 4;
  unsigned char lengthField[4];
  in.readExact(lengthField, lengthBytes, ".npy header length");
  uint32_t headerLength = littleEndian(lengthField, lengthBytes);
  uint64_t headerOffset = in.offset();
  std::vector<uint8_t> headerBytes = in.readUpTo(headerLength);
  if (headerBytes.size() < headerLength)
    throwError(path, ": truncated .npy header: expected ", headerLength,
               " bytes at byte offset ", headerOffset, ", only ",
               headerBytes.size(), " available");
  std::string header(headerBytes.begin(), headerBytes.end());

  std::map<std::string, PyValue> dict =
      parsePyDict(header, path, headerOffset);
  for (const char *key : {"descr", "fortran_order", "shape"})
    if (!dict.count(key))
      throwError(path, ": .npy header has no '", key, "' key");
  for (const auto &entry : dict)
    if (entry.first != "descr" && entry.first != "fortran_order" &&
        entry.first != "shape")
      throwError(path, ": .npy header has an unexpected key '", entry.first,
                 "' (NumPy writes only 'descr', 'fortran_order', 'shape')");

  const PyValue &descr = dict["descr"];
  if (descr.kind != PyValue::Str)
    throwError(path, ": .npy 'descr' is ", kindName(descr.kind),
               "; Kiln reads only simple dtypes such as '<f4', not "
               "structured arrays");
  ElementFormat format = elementFormat(path, descr.str);

  const PyValue &fortran = dict["fortran_order"];
  if (fortran.kind != PyValue::Bool)
    throwError(path, ": .npy 'fortran_order' must be True or False, got ",
               kindName(fortran.kind));
  if (fortran.boolean)
    throwError(path, ": .npy array is stored in Fortran (column-major) order "
                     "(fortran_order: True); Kiln reads C order only: save "
                     "np.ascontiguousarray(a) instead");

  const PyValue &shapeValue = dict["shape"];
  if (shapeValue.kind != PyValue::Tuple)
    throwError(path, ": .npy 'shape' must be a tuple, got ",
               kindName(shapeValue.kind));
  Shape shape;
  uint64_t count = 1;
  for (const PyValue &dim : shapeValue.items) {
    if (dim.kind != PyValue::Int)
      throwError(path, ": .npy 'shape' holds ", kindName(dim.kind),
                 ", not an int");
    shape.push_back(dim.integer);
    if (dim.integer != 0 &&
        count > (uint64_t(1) << 62) / 8 / static_cast<uint64_t>(dim.integer))
      throwError(path, ": .npy shape ", shapeToString(shape),
                 " is too large to load");
    count *= static_cast<uint64_t>(dim.integer);
  }

  uint64_t dataOffset = in.offset();
  uint64_t dataBytes = count * format.fileItemSize;
  std::vector<uint8_t> bytes = in.readUpTo(dataBytes);
  if (bytes.size() < dataBytes)
    throwError(path, ": truncated .npy data: shape ", shapeToString(shape),
               " of '", descr.str, "' needs ", dataBytes,
               " bytes from byte offset ", dataOffset, ", only ", bytes.size(),
               " available",
               in.compressedStreamTruncated()
                   ? " (the gzip stream itself ends early)"
                   : "");
  if (uint64_t extra = in.skipRest())
    throwError(path, ": ", extra,
               " unexpected trailing bytes after the .npy data, which ends "
               "at byte offset ",
               dataOffset + dataBytes);

  Tensor out = Tensor::empty(shape, format.dtype);
  if (!format.narrowF64) {
    if (dataBytes)
      std::memcpy(out.raw(), bytes.data(), dataBytes);
    return out;
  }
  float *dst = out.data<float>();
  for (uint64_t i = 0; i < count; ++i) {
    double v;
    std::memcpy(&v, bytes.data() + i * 8, 8);
    float f = static_cast<float>(v);
    if (std::isfinite(v) && !std::isfinite(f))
      throwError(path, ": '<f8' element ", i, " has value ", v,
                 ", which does not fit in f32");
    dst[i] = f;
  }
  return out;
}

void writeNpy(const std::string &path, const Tensor &tensor) {
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.shape()[i]);
  shape += tensor.rank() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + descrOf(tensor.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // NumPy pads with spaces so that the data starts on a 64-byte boundary,
  // and ends the header with a newline.
  size_t total = kMagicSize + 2 + 2 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 0xFFFF)
    throwError("cannot write ", path, ": .npy header of ", header.size(),
               " bytes exceeds format 1.0's 65535");

  std::unique_ptr<FILE, int (*)(FILE *)> file(std::fopen(path.c_str(), "wb"),
                                              &std::fclose);
  if (!file)
    throwError("cannot open ", path, " for writing: ", std::strerror(errno));
  unsigned char preamble[10];
  std::memcpy(preamble, kMagic, kMagicSize);
  preamble[6] = 1;
  preamble[7] = 0;
  preamble[8] = header.size() & 0xFF;
  preamble[9] = header.size() >> 8;
  bool ok = std::fwrite(preamble, 1, 10, file.get()) == 10 &&
            std::fwrite(header.data(), 1, header.size(), file.get()) ==
                header.size() &&
            std::fwrite(tensor.raw(), 1, tensor.nbytes(), file.get()) ==
                tensor.nbytes();
  int closeResult = std::fclose(file.release());
  if (!ok || closeResult != 0)
    throwError("cannot write ", path, ": ", std::strerror(errno));
}

} // namespace kiln::io
