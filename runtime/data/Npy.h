// NumPy .npy reader (format 1.0, 2.0, 3.0) and writer (format 1.0).
#ifndef KILN_RUNTIME_DATA_NPY_H
#define KILN_RUNTIME_DATA_NPY_H

#include "runtime/Tensor.h"

#include <string>

namespace kiln::io {

// Reads a C-ordered array of dtype '<f4', '<i4', '<i8' or '|u1' ('<f8' is
// narrowed to f32; a finite value beyond f32's range throws instead of
// becoming inf). '=' is accepted for '<' (the host is little-endian).
// The file may be gzip-compressed. Throws kiln::Error naming the path for a
// bad magic string or version, a header that is not the dict NumPy writes,
// fortran_order True, an unsupported dtype, truncated data, and for bytes
// after the data (NumPy never writes any, so they mean a corrupt file).
Tensor readNpy(const std::string &path);

// Writes `tensor` as format 1.0 with the header padded to 64 bytes as NumPy
// does, so np.load reads it back unchanged. Throws naming the path if the file
// cannot be written.
void writeNpy(const std::string &path, const Tensor &tensor);

} // namespace kiln::io

#endif // KILN_RUNTIME_DATA_NPY_H
