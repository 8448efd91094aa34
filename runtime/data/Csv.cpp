// CSV loader: splits lines into cells, detects a header row, parses floats.
#include "runtime/data/Csv.h"

#include "runtime/data/GzReader.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace kiln::io {

namespace {

struct Cell {
  std::string text;
  size_t column; // 1-based
};

class CsvParser {
public:
  CsvParser(const std::string &path, const CsvOptions &options)
      : path_(path), options_(options) {}

  // Splits one line (without its line end) into cells.
  std::vector<Cell> split(const std::string &line, size_t lineNo) const {
    std::vector<Cell> cells;
    size_t pos = 0;
    while (true) {
      size_t column = cells.size() + 1;
      skipBlanks(line, pos);
      std::string text;
      if (pos < line.size() && line[pos] == '"') {
        ++pos;
        while (true) {
          if (pos >= line.size())
            failAt(lineNo, column,
                   "unterminated quoted cell (quoted line breaks are not "
                   "supported)");
          if (line[pos] == '"') {
            // "" inside quotes is an escaped quote.
            if (pos + 1 < line.size() && line[pos + 1] == '"') {
              text += '"';
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          text += line[pos++];
        }
        skipBlanks(line, pos);
        if (pos < line.size() && line[pos] != options_.delimiter)
          failAt(lineNo, column, "unexpected text after a quoted cell");
      } else {
        size_t end = line.find(options_.delimiter, pos);
        if (end == std::string::npos)
          end = line.size();
        text = line.substr(pos, end - pos);
        while (!text.empty() && isBlank(text.back()))
          text.pop_back();
        pos = end;
      }
      cells.push_back({std::move(text), column});
      if (pos >= line.size())
        break;
      ++pos; // the delimiter
    }
    return cells;
  }

  // Parses a cell as f32, or returns nullopt with `why` set.
  std::optional<float> parse(const std::string &text, std::string &why) const {
    if (text.empty()) {
      why = "empty cell";
      return std::nullopt;
    }
    // from_chars is locale-independent (strtof would read "1,5" in a German
    // locale) but rejects a leading '+'.
    const char *begin = text.data();
    const char *end = begin + text.size();
    if (*begin == '+' && text.size() > 1 && begin[1] != '-')
      ++begin;
    float value = 0;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec == std::errc::invalid_argument || ptr != end) {
      why = "cell '" + text + "' is not a number";
      return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range) {
      // Underflow is fine (it rounds to zero like NumPy); overflow is not.
      double wide = 0;
      auto wideResult = std::from_chars(begin, end, wide);
      bool underflow =
          wideResult.ec == std::errc() ? std::fabs(wide) < 1.0
                                       : exponentIsNegative(text);
      if (!underflow) {
        why = "cell '" + text + "' is outside the f32 range (max " +
              std::to_string(std::numeric_limits<float>::max()) + ")";
        return std::nullopt;
      }
      value = wideResult.ec == std::errc() ? static_cast<float>(wide) : 0.0f;
      if (text[0] == '-')
        value = -std::fabs(value);
    }
    if (!std::isfinite(value) && !options_.allow_non_finite) {
      why = "cell '" + text +
            "' is not a finite number (set allow_non_finite to accept it)";
      return std::nullopt;
    }
    return value;
  }

  [[noreturn]] void failAt(size_t lineNo, size_t column,
                           const std::string &what) const {
    throwError(path_, ": line ", lineNo, ", column ", column, ": ", what);
  }

private:
  bool isBlank(char c) const {
    return (c == ' ' || c == '\t') && c != options_.delimiter;
  }
  void skipBlanks(const std::string &line, size_t &pos) const {
    while (pos < line.size() && isBlank(line[pos]))
      ++pos;
  }
  static bool exponentIsNegative(const std::string &text) {
    size_t e = text.find_first_of("eE");
    return e != std::string::npos && e + 1 < text.size() && text[e + 1] == '-';
  }

  const std::string &path_;
  const CsvOptions &options_;
};

} // namespace

Tensor readCsv(const std::string &path, const CsvOptions &options) {
  GzReader in(path);
  std::vector<uint8_t> bytes = in.readAll();
  std::string content(bytes.begin(), bytes.end());
  bytes.clear();
  bytes.shrink_to_fit();
  if (content.compare(0, 3, "\xEF\xBB\xBF") == 0)
    content.erase(0, 3); // UTF-8 byte-order mark from spreadsheet exports

  CsvParser parser(path, options);
  std::vector<float> values;
  int64_t rows = 0;
  int64_t columns = -1;
  size_t columnsLine = 0;
  int64_t headerColumns = -1;
  bool sawLine = false;
  size_t lineNo = 0;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos)
      end = content.size();
    std::string line = content.substr(start, end - start);
    start = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;

    std::vector<Cell> cells = parser.split(line, lineNo);
    bool first = !sawLine;
    sawLine = true;
    if (first && options.skip_header) {
      headerColumns = static_cast<int64_t>(cells.size());
      continue;
    }
    std::vector<float> parsed;
    parsed.reserve(cells.size());
    std::optional<std::pair<size_t, std::string>> firstError;
    for (const Cell &cell : cells) {
      std::string why;
      std::optional<float> v = parser.parse(cell.text, why);
      if (v)
        parsed.push_back(*v);
      else if (!firstError)
        firstError.emplace(cell.column, why);
    }
    if (first && options.detect_header && parsed.empty()) {
      headerColumns = static_cast<int64_t>(cells.size());
      continue;
    }
    if (columns < 0) {
      columns = static_cast<int64_t>(cells.size());
      columnsLine = lineNo;
    } else if (static_cast<int64_t>(cells.size()) != columns) {
      throwError(path, ": line ", lineNo, " has ", cells.size(),
                 cells.size() == 1 ? " column" : " columns", ", expected ",
                 columns, " like line ", columnsLine, " (ragged rows)");
    }
    if (firstError)
      parser.failAt(lineNo, firstError->first, firstError->second);
    values.insert(values.end(), parsed.begin(), parsed.end());
    ++rows;
  }
  if (!sawLine)
    throwError(path, ": CSV file is empty");
  if (columns < 0)
    columns = headerColumns;
  return Tensor::fromVector(values, Shape{rows, columns});
}

} // namespace kiln::io
