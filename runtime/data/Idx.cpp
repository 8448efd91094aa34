// IDX reader: big-endian header, then the elements in row-major order.
#include "runtime/data/Idx.h"

#include "runtime/data/GzReader.h"

#include <cstring>
#include <iomanip>
#include <sstream>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the IDX reader byte-swaps big-endian data for a little-endian host");

namespace kiln::io {

namespace {

std::string hex32(uint32_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(8) << std::setfill('0') << v;
  return os.str();
}

uint32_t bigEndian32(const unsigned char *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
         uint32_t(p[3]);
}

const char *elementTypeName(unsigned code) {
  switch (code) {
  case 0x08:
    return "unsigned byte";
  case 0x09:
    return "signed byte";
  case 0x0B:
    return "short";
  case 0x0C:
    return "int";
  case 0x0D:
    return "float";
  case 0x0E:
    return "double";
  default:
    return "unknown type";
  }
}

// "0x00000803 (unsigned byte, 3 dimensions)"
std::string describeMagic(uint32_t magic) {
  std::ostringstream os;
  os << hex32(magic);
  if ((magic >> 16) == 0) {
    unsigned dims = magic & 0xFF;
    os << " (" << elementTypeName((magic >> 8) & 0xFF) << ", " << dims
       << (dims == 1 ? " dimension)" : " dimensions)");
  } else {
    os << " (not an IDX file: the first two bytes must be zero)";
  }
  return os.str();
}

Tensor readIdxExpecting(const std::string &path, uint32_t expectedMagic) {
  GzReader in(path);
  unsigned char word[4];
  in.readExact(word, 4, "IDX header (magic number)");
  uint32_t magic = bigEndian32(word);
  if (expectedMagic && magic != expectedMagic)
    throwError(path, ": wrong IDX magic number: expected ",
               describeMagic(expectedMagic), ", got ", describeMagic(magic));
  if ((magic >> 16) != 0)
    throwError(path, ": not an IDX file: magic number ", describeMagic(magic));

  unsigned typeCode = (magic >> 8) & 0xFF;
  DType dtype;
  switch (typeCode) {
  case 0x08:
    dtype = DType::u8;
    break;
  case 0x0C:
    dtype = DType::i32;
    break;
  case 0x0D:
    dtype = DType::f32;
    break;
  default:
    throwError(path, ": unsupported IDX element type 0x", std::hex, typeCode,
               std::dec, " (", elementTypeName(typeCode),
               "); Kiln reads 0x08 (unsigned byte), 0x0C (int), 0x0D (float)");
  }
  unsigned rank = magic & 0xFF;
  if (rank == 0)
    throwError(path, ": IDX magic number ", hex32(magic),
               " declares 0 dimensions");

  Shape shape(rank);
  for (unsigned i = 0; i < rank; ++i) {
    std::string what = "IDX header (size of dimension " + std::to_string(i) +
                       " of " + std::to_string(rank) + ")";
    in.readExact(word, 4, what.c_str());
    shape[i] = bigEndian32(word);
  }

  // Validate the declared size before reading (or allocating) the data.
  uint64_t itemSize = dtypeSize(dtype);
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > (uint64_t(1) << 62) / itemSize / uint64_t(d))
      throwError(path, ": IDX header declares shape ", shapeToString(shape),
                 ", too large to load");
    count *= uint64_t(d);
  }
  uint64_t dataBytes = count * itemSize;
  uint64_t dataOffset = in.offset();
  std::vector<uint8_t> bytes = in.readUpTo(dataBytes);
  if (bytes.size() < dataBytes)
    throwError(path, ": truncated IDX data: header declares ",
               dtypeName(dtype), " shape ", shapeToString(shape), " = ",
               dataBytes, " bytes from byte offset ", dataOffset, ", only ",
               bytes.size(), " available",
               in.compressedStreamTruncated()
                   ? " (the gzip stream itself ends early)"
                   : "");
  if (uint64_t extra = in.skipRest())
    throwError(path, ": ", extra,
               " unexpected trailing bytes after the IDX data, which ends at "
               "byte offset ",
               dataOffset + dataBytes, " for shape ", shapeToString(shape));

  Tensor out = Tensor::empty(shape, dtype);
  if (itemSize == 1) {
    if (!bytes.empty())
      std::memcpy(out.raw(), bytes.data(), bytes.size());
  } else {
    // IDX stores multi-byte elements big-endian; the host is little-endian.
    auto *dst = static_cast<unsigned char *>(out.raw());
    for (uint64_t i = 0; i < count; ++i)
      for (uint64_t b = 0; b < itemSize; ++b)
        dst[i * itemSize + b] = bytes[i * itemSize + itemSize - 1 - b];
  }
  return out;
}

} // namespace

Tensor readIdx(const std::string &path) { return readIdxExpecting(path, 0); }

Tensor readIdxLabels(const std::string &path) {
  return readIdxExpecting(path, 0x00000801);
}

Tensor readIdxImages(const std::string &path) {
  return readIdxExpecting(path, 0x00000803);
}

} // namespace kiln::io
