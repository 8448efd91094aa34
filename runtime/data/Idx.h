// Readers for the IDX format of MNIST and Fashion-MNIST, plain or gzipped.
#ifndef KILN_RUNTIME_DATA_IDX_H
#define KILN_RUNTIME_DATA_IDX_H

#include "runtime/Tensor.h"

#include <string>

namespace kiln::io {

// Reads any IDX file whose element type Kiln can hold: 0x08 (u8), 0x0C
// (big-endian i32 -> i32) or 0x0D (big-endian f32 -> f32), 1 to 255
// dimensions. The file may be gzip-compressed. Throws kiln::Error naming the
// path for a missing file, a bad magic number, a short header or data, and
// for bytes after the data: a correct IDX file ends exactly where its header
// says, so trailing bytes mean a corrupt or mislabelled file.
Tensor readIdx(const std::string &path);

// An IDX label file: magic 0x00000801, u8 tensor of shape (n).
Tensor readIdxLabels(const std::string &path);

// An IDX image file: magic 0x00000803, u8 tensor of shape (n, rows, cols).
Tensor readIdxImages(const std::string &path);

} // namespace kiln::io

#endif // KILN_RUNTIME_DATA_IDX_H
