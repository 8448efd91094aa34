// CSV loader: a file of numbers becomes an f32 tensor (rows, columns).
#ifndef KILN_RUNTIME_DATA_CSV_H
#define KILN_RUNTIME_DATA_CSV_H

#include "runtime/Tensor.h"

#include <string>

namespace kiln::io {

struct CsvOptions {
  char delimiter = ',';
  // Always drop the first line.
  bool skip_header = false;
  // When skip_header is false, drop a first line whose cells are ALL
  // non-numeric ("x,y,label"). A first line with some numeric cells is data,
  // so a typo in it is reported instead of silently dropped.
  bool detect_header = true;
  // "nan", "inf" and "-inf" cells are rejected unless this is set: a NaN in
  // training data silently poisons every weight it reaches.
  bool allow_non_finite = false;
};

// Reads `path` (plain or gzip) into an f32 tensor of shape (rows, columns).
// Cells may be surrounded by spaces or double quotes; blank lines are
// skipped; "\r\n" line ends are accepted. Throws kiln::Error naming the path,
// the 1-based line and column, and the cell for a non-numeric or empty cell,
// a value outside f32's range and a row whose cell count differs from the
// first row's. A file with no lines at all throws; a header alone gives
// shape (0, columns).
Tensor readCsv(const std::string &path, const CsvOptions &options = {});

} // namespace kiln::io

#endif // KILN_RUNTIME_DATA_CSV_H
