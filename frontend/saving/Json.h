// JSON for Keras configs, on Debian's nlohmann-json (frontend-internal).
// Objects keep their insertion order, so configs come out in Keras's field
// order, and pythonDumps() writes them as Python's json.dumps() does.
#ifndef KILN_FRONTEND_SAVING_JSON_H
#define KILN_FRONTEND_SAVING_JSON_H

#include <nlohmann/json.hpp>

#include <string>

namespace kiln::saving {

using Json = nlohmann::ordered_json;

/// Parses `text`; throws kiln::Error naming `where` and the offset.
Json parseJson(const std::string &text, const std::string &where);

/// json.dumps(value): ", " and ": " separators, non-ASCII escaped.
std::string pythonDumps(const Json &value);

} // namespace kiln::saving

#endif // KILN_FRONTEND_SAVING_JSON_H
