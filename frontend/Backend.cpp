// keras.json: Keras's backend settings file, and the settings themselves.
#include "frontend/Backend.h"
#include "frontend/saving/AtomicFile.h"
#include "frontend/saving/Json.h"

#include "runtime/Error.h"

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace kiln::backend {
namespace {

struct Settings {
  double epsilon = 1e-7;
  std::string floatx = "float32", imageDataFormat = "channels_last";
  std::string path;
};

std::mutex lock;
Settings settings;
bool loaded = false;

void checkEpsilon(double v, const std::string &where) {
  if (!(v > 0 && v < 0.5))
    throwError(where, "epsilon must be in (0, 0.5), got ", v);
}
void checkFloatx(const std::string &v, const std::string &where) {
  if (v != "float32")
    throwError(where, "floatx '", v, "' is not supported: Kiln computes in "
               "float32");
}
void checkImageDataFormat(const std::string &v, const std::string &where) {
  if (v != "channels_last")
    throwError(where, "image_data_format '", v, "' is not supported: Kiln "
               "lays images out channels_last (batch, height, width, channels)");
}

/// Keras's search, with Kiln's own variable first.
std::string configFile() {
  namespace fs = std::filesystem;
  for (const char *var : {"KILN_HOME", "KERAS_HOME"})
    if (const char *dir = std::getenv(var); dir && *dir)
      return (fs::path(dir) / "keras.json").string();
  const char *home = std::getenv("HOME");
  return home && *home ? (fs::path(home) / ".keras" / "keras.json").string() : "";
}

Settings read() {
  Settings s;
  std::string file = configFile();
  std::error_code ec;
  if (file.empty() || !std::filesystem::is_regular_file(file, ec))
    return s;
  std::string where = file + ": ";
  saving::Json j = saving::parseJson(saving::readFile(file, 1 << 20), file);
  if (!j.is_object())
    throwError(where, "keras.json must hold a JSON object");
  if (j.contains("epsilon")) {
    if (!j["epsilon"].is_number())
      throwError(where, "epsilon must be a number");
    s.epsilon = j["epsilon"].get<double>();
    checkEpsilon(s.epsilon, where);
  }
  auto text = [&](const char *key, std::string &out) {
    if (!j.contains(key))
      return;
    if (!j[key].is_string())
      throwError(where, key, " must be a string");
    out = j[key].get<std::string>();
  };
  text("floatx", s.floatx);
  text("image_data_format", s.imageDataFormat);
  checkFloatx(s.floatx, where);
  checkImageDataFormat(s.imageDataFormat, where);
  // "backend" names the Keras backend; Kiln is its own, so it is ignored.
  s.path = file;
  return s;
}

Settings &current() {
  if (!loaded) {
    settings = read();
    loaded = true;
  }
  return settings;
}

/// One setting, read or written under the lock (after the first read of
/// keras.json).
template <typename T> T get(T Settings::*field) {
  std::lock_guard<std::mutex> guard(lock);
  return current().*field;
}
template <typename T> void put(T Settings::*field, T value) {
  std::lock_guard<std::mutex> guard(lock);
  current().*field = std::move(value);
}

} // namespace

double epsilon() { return get(&Settings::epsilon); }

void set_epsilon(double value) {
  checkEpsilon(value, "set_epsilon: ");
  put(&Settings::epsilon, value);
}

std::string floatx() { return get(&Settings::floatx); }

void set_floatx(const std::string &value) {
  checkFloatx(value, "set_floatx: ");
  put(&Settings::floatx, value);
}

std::string image_data_format() { return get(&Settings::imageDataFormat); }

void set_image_data_format(const std::string &value) {
  checkImageDataFormat(value, "set_image_data_format: ");
  put(&Settings::imageDataFormat, value);
}

std::string config_path() { return get(&Settings::path); }

void reload_config() {
  Settings fresh = read(); // throws before anything changes
  std::lock_guard<std::mutex> guard(lock);
  settings = fresh;
  loaded = true;
}

} // namespace kiln::backend
