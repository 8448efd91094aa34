// JSON parsing with kiln::Error messages and Python-style output.
#include "frontend/saving/Json.h"

#include "runtime/Error.h"

namespace kiln::saving {

Json parseJson(const std::string &text, const std::string &where) {
  try {
    return Json::parse(text);
  } catch (const Json::exception &e) {
    throwError(where, ": invalid JSON (", e.what(), ")");
  }
}

static void dumpInto(std::string &out, const Json &v) {
  if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto &[key, value] : v.items()) {
      out += first ? "" : ", ";
      first = false;
      out += Json(key).dump(-1, ' ', /*ensure_ascii=*/true);
      out += ": ";
      dumpInto(out, value);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      out += i ? ", " : "";
      dumpInto(out, v[i]);
    }
    out += ']';
  } else {
    out += v.dump(-1, ' ', /*ensure_ascii=*/true);
  }
}

std::string pythonDumps(const Json &value) {
  std::string out;
  dumpInto(out, value);
  return out;
}

} // namespace kiln::saving
