//===- PassOptionErrors.cpp - Messages for malformed pass options ---------===//
#include "compiler/Transforms/PassOptionErrors.h"

using namespace mlir;

namespace kiln {

SmallVector<StringRef> splitPassOptions(StringRef options) {
  SmallVector<StringRef> entries;
  size_t start = 0, depth = 0;
  char quote = 0;
  for (size_t i = 0; i <= options.size(); ++i) {
    char c = i < options.size() ? options[i] : ' ';
    if (quote) {
      quote = c == quote ? 0 : quote;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      depth -= depth > 0;
    } else if (c == ' ' && depth == 0) {
      StringRef entry = options.slice(start, i).trim();
      if (!entry.empty())
        entries.push_back(entry);
      start = i + 1;
    }
  }
  return entries;
}

LogicalResult initializeOptionsNamingValue(
    StringRef passArgument, StringRef options,
    function_ref<LogicalResult(const Twine &)> errorHandler,
    function_ref<LogicalResult(StringRef,
                               function_ref<LogicalResult(const Twine &)>)>
        parse) {
  bool reported = false;
  auto report = [&](const Twine &message) {
    std::string text = message.str();
    if (StringRef(text).trim().empty())
      return failure();
    reported = true;
    return errorHandler(message);
  };
  if (succeeded(parse(options, report)))
    return success();
  if (reported)
    return failure();
  auto ignore = [](const Twine &) { return failure(); };
  for (StringRef entry : splitPassOptions(options)) {
    if (succeeded(parse(entry, ignore)))
      continue;
    auto [key, value] = entry.split('=');
    return errorHandler(passArgument + ": invalid value '" + value +
                        "' for option '" + key + "'");
  }
  return errorHandler(passArgument + ": invalid options '" + options + "'");
}

} // namespace kiln
