// load_model, model_from_json and Model's save / save_weights /
// load_weights / to_json: which format, which layout, in which order.
#include "frontend/Saving.h"
#include "frontend/saving/AtomicFile.h"
#include "frontend/saving/CompileConfig.h"
#include "frontend/saving/Limits.h"
#include "frontend/saving/WeightsIO.h"
#include "frontend/saving/Zip.h"

#include "runtime/Error.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>
#include <set>
#include <sys/stat.h>

namespace kiln {
namespace saving {

namespace {

/// The Keras release whose `.keras` fields Kiln writes (metadata.json).
constexpr const char *kArchiveKerasVersion = "3.4.1";

enum class Format { archive, hdf5, json };

bool endsWith(const std::string &s, const std::string &tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

uint64_t fileSize(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throwError(path, ": cannot open the file");
  if (!S_ISREG(st.st_mode))
    throwError(path, ": not a regular file");
  return uint64_t(st.st_size);
}

Format sniff(const std::string &path) {
  fileSize(path); // a clear error for a missing file or a folder
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    throwError(path, ": cannot open the file");
  char buf[64] = {};
  size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  std::string head(buf, n);
  if (head.rfind("PK\x03\x04", 0) == 0)
    return Format::archive;
  if (looksLikeHdf5(head))
    return Format::hdf5;
  size_t first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && head[first] == '{')
    return Format::json;
  throwError(path, ": not a Keras model file (a .keras zip, HDF5 or a JSON config)");
}

/// Runs `f`, making sure every error names `file`: messages from layer
/// constructors and JSON accessors do not know which file they came from.
template <typename F>
auto naming(const std::string &file, F &&f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error &e) {
    if (std::string(e.what()).find(file) != std::string::npos)
      throw;
    throw Error(file + ": " + e.what());
  } catch (const Json::exception &e) {
    throw Error(file + ": malformed config (" + e.what() + ")");
  }
}

void warn(const std::string &file, const std::string &what) {
  std::cerr << "kiln: warning: " << file << ": " << what << "\n";
}

uint64_t weightBytes(const LoadedModel &lm) {
  uint64_t n = 0;
  for (const Tensor &w : lm.model->impl().layerWeights())
    n += w.nbytes();
  return n;
}

std::string versionOf(const Json &j) {
  return j.is_object() && j.contains("keras_version") && j["keras_version"].is_string()
             ? j["keras_version"].get<std::string>()
             : "";
}

/// Compiles as the file says, then restores the optimizer state; what Kiln
/// cannot honour becomes a warning, as in Keras's compile_from_config.
void compileFrom(Model &model, const Json &config, const LoadModelOptions &o,
                 const std::string &file,
                 const std::function<void(Model::Impl &)> &restore) {
  if (!o.compile || config.is_null())
    return;
  try {
    model.compile(naming(file, [&] { return compileOptionsFrom(config, o.custom_metrics, o.custom_losses); }));
  } catch (const Error &e) {
    warn(file, std::string("the model is not compiled: ") + e.what());
    return;
  }
  if (!restore)
    return;
  try {
    restore(model.impl());
  } catch (const Error &e) {
    warn(file, std::string("the optimizer state is not restored: ") + e.what());
  }
}

Model loadArchive(const std::string &path, const LoadModelOptions &o) {
  ZipReader zip = ZipReader::open(path);
  Json config = parseJson(zip.read("config.json", limits().maxConfigBytes),
                          path + ": config.json");
  Json meta = zip.has("metadata.json")
                  ? parseJson(zip.read("metadata.json", 1 << 20), path + ": metadata.json")
                  : Json();
  const std::string weightsName = "model.weights.h5";
  if (!zip.has(weightsName))
    throwError(path, ": the archive has no ", weightsName);
  uint64_t declared = zip.declaredSize(weightsName);
  uint64_t archive = fileSize(path);
  ReadOptions ro{path, versionOf(meta), true,
                 std::min(declared, archive * limits().maxInflation) + (1 << 20)};
  LoadedModel lm = modelFromConfig(config, ro);
  // Weights plus at most two slots each, and HDF5's own bytes.
  uint64_t cap = 4 * weightBytes(lm) + (64u << 20);
  H5File h5 = H5File::openImage(path + ": " + weightsName, zip.read(weightsName, cap));
  readArchiveWeights(h5.root(), lm.homes);
  Model model = std::move(*lm.model);
  bool hasOptimizer = h5.root().hasGroup("optimizer/vars");
  compileFrom(model, lm.compileConfig, o, path,
              hasOptimizer ? std::function<void(Model::Impl &)>(
                                 [&](Model::Impl &m) { readArchiveOptimizer(h5.root(), m); })
                           : nullptr);
  return model;
}

Model loadHdf5(const std::string &path, const LoadModelOptions &o) {
  H5File h5 = H5File::open(path);
  H5Group root = h5.root();
  if (!root.hasAttr("model_config"))
    throwError(path, ": has no model_config (a weights-only file?): build the "
                     "model, then call load_weights");
  std::string version = root.hasAttr("keras_version") ? root.stringAttr("keras_version") : "";
  Json config = parseJson(root.stringAttr("model_config"), path + ": model_config");
  ReadOptions ro{path, version, true, fileSize(path) + (1 << 20)};
  LoadedModel lm = modelFromConfig(config, ro);
  readLegacyWeights(root.hasGroup("model_weights") ? root.group("model_weights") : root,
                    lm.groups);
  Model model = std::move(*lm.model);
  Json training = root.hasAttr("training_config")
                      ? parseJson(root.stringAttr("training_config"), path + ": training_config")
                      : Json();
  bool hasOptimizer = root.hasGroup("optimizer_weights");
  compileFrom(model, training, o, path,
              hasOptimizer ? std::function<void(Model::Impl &)>(
                                 [&](Model::Impl &m) { readLegacyOptimizer(root, m); })
                           : nullptr);
  return model;
}

Model fromJson(const std::string &text, const std::string &where) {
  if (text.size() > limits().maxConfigBytes)
    throwError(where, ": the config exceeds ", limits().maxConfigBytes, " bytes");
  Json config = parseJson(text, where);
  ReadOptions ro{where, versionOf(config), false, limits().maxUnbackedWeightBytes};
  return std::move(*modelFromConfig(config, ro).model);
}

std::string nowForKeras() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d@%H:%M:%S", &tm);
  return buf;
}

void checkUniqueNames(const Model::Impl &m) {
  std::set<std::string> names;
  for (const auto &l : m.layers)
    if (!names.insert(l->name()).second)
      throwError("model '", m.name, "': two layers are named '", l->name(),
                 "'; Keras files need unique layer names");
}

/// The learning rate the model trains with now, once it is compiled.
std::optional<double> currentRate(const Model::Impl &m) {
  if (!m.state)
    return std::nullopt;
  return m.state->learning_rate();
}

/// The Keras 3 config, with the compile config when the model has one.
Json archiveConfig(const Model::Impl &m) {
  Json config = modelConfig(m, Schema::keras3);
  if (m.compileOptions)
    config["compile_config"] =
        compileConfig(*m.compileOptions, Schema::keras3, currentRate(m));
  return config;
}

std::string archiveWeights(const Model::Impl &m, const std::string &name) {
  H5File h5 = H5File::create(name);
  writeArchiveWeights(h5.root(), weightHomes(m));
  if (m.state)
    writeArchiveOptimizer(h5.root(), m);
  return h5.image();
}

} // namespace

void loadWeightsFrom(Model::Impl &m, const std::string &path);
} // namespace saving

using namespace saving;

Model load_model(const std::string &path, LoadModelOptions options) {
  return naming(path, [&] {
    switch (sniff(path)) {
    case Format::archive:
      return loadArchive(path, options);
    case Format::hdf5:
      return loadHdf5(path, options);
    case Format::json:
      break;
    }
    std::string text = readFile(path, limits().maxConfigBytes);
    Json config = parseJson(text, path);
    Model model = fromJson(text, path);
    Json compile = config.contains("compile_config") ? config["compile_config"] : Json();
    compileFrom(model, compile, options, path, nullptr);
    return model;
  });
}

Model model_from_json(const std::string &json) {
  return naming("model_from_json", [&] { return fromJson(json, "model_from_json"); });
}

void Model::save(const std::string &path) {
  Impl &m = self();
  checkUniqueNames(m);
  if (endsWith(path, ".keras")) {
    Json meta{{"keras_version", kArchiveKerasVersion}, {"date_saved", nowForKeras()}};
    std::string weights = archiveWeights(m, path);
    writeFileAtomically(path, makeZip({{"metadata.json", pythonDumps(meta)},
                                       {"config.json", pythonDumps(archiveConfig(m))},
                                       {"model.weights.h5", weights}}));
    return;
  }
  if (!endsWith(path, ".h5") && !endsWith(path, ".hdf5"))
    throwError(path, ": Kiln saves models as .keras (Keras 3) or .h5 (Keras 2)");
  // Keras 2's save_model_to_hdf5: metadata attributes, model_weights, then
  // optimizer_weights.
  Json modelConfigJson = modelConfig(m, Schema::keras2);
  H5File h5 = H5File::create(path);
  H5Group root = h5.root();
  root.setStringAttr("keras_version", "2.15.0");
  root.setStringAttr("backend", "tensorflow");
  root.setStringAttr("model_config", pythonDumps(modelConfigJson));
  if (m.compileOptions)
    root.setStringAttr("training_config",
                       pythonDumps(compileConfig(*m.compileOptions, Schema::keras2,
                                                 currentRate(m))));
  writeLegacyWeights(root.createGroup("model_weights"), legacyGroups(m));
  if (m.state)
    writeLegacyOptimizer(root, m);
  writeFileAtomically(path, h5.image());
}

void Model::save_weights(const std::string &path) {
  Impl &m = self();
  checkUniqueNames(m);
  if (!m.built())
    throwError(path, ": model '", m.name, "' has no weights yet (not built)");
  if (endsWith(path, ".weights.h5")) {
    writeFileAtomically(path, archiveWeights(m, path));
    return;
  }
  if (!endsWith(path, ".h5") && !endsWith(path, ".hdf5"))
    throwError(path, ": Kiln saves weights as .weights.h5 (Keras 3) or .h5 (Keras 2)");
  H5File h5 = H5File::create(path);
  writeLegacyWeights(h5.root(), legacyGroups(m));
  writeFileAtomically(path, h5.image());
}

void Model::load_weights(const std::string &path) {
  naming(path, [&] { loadWeightsFrom(self(), path); });
}

namespace saving {
void loadWeightsFrom(Model::Impl &m, const std::string &path) {
  if (!m.built())
    throwError(path, ": model '", m.name, "' is not built yet: give the first "
                     "layer an input_shape before load_weights");
  if (sniff(path) == Format::archive) {
    ZipReader zip = ZipReader::open(path);
    uint64_t bytes = 0;
    for (const Tensor &w : m.layerWeights())
      bytes += w.nbytes();
    H5File h5 = H5File::openImage(path + ": model.weights.h5",
                                  zip.read("model.weights.h5", 4 * bytes + (64u << 20)));
    readArchiveWeights(h5.root(), weightHomes(m));
    if (m.state && h5.root().hasGroup("optimizer/vars"))
      readArchiveOptimizer(h5.root(), m);
    return;
  }
  H5File h5 = H5File::open(path);
  H5Group root = h5.root();
  if (root.hasAttr("layer_names") || root.hasAttr("layer_names0")) {
    readLegacyWeights(root, legacyGroups(m));
  } else if (root.hasGroup("model_weights")) {
    readLegacyWeights(root.group("model_weights"), legacyGroups(m));
  } else if (root.hasGroup("layers") || root.hasGroup("vars")) {
    readArchiveWeights(root, weightHomes(m));
    if (m.state && root.hasGroup("optimizer/vars"))
      readArchiveOptimizer(root, m);
  } else {
    throwError(path, ": no Keras weights found (no layer_names attribute, "
                     "model_weights group or layers group)");
  }
}
} // namespace saving

std::string Model::to_json() { return pythonDumps(archiveConfig(self())); }

} // namespace kiln
