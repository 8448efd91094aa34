// Keras-style dataset loaders over Debian's packaged IDX files.
#include "runtime/data/Datasets.h"

#include "runtime/data/Idx.h"

#include <filesystem>

namespace kiln::datasets {

namespace {

namespace fs = std::filesystem;

// `name`.gz if present, else the uncompressed `name`; empty if neither.
std::string findFile(const fs::path &dir, const std::string &name) {
  for (const std::string &candidate : {name + ".gz", name}) {
    std::error_code ec;
    fs::path p = dir / candidate;
    if (fs::is_regular_file(p, ec))
      return p.string();
  }
  return {};
}

Split loadSplit(const std::string &imagesPath, const std::string &labelsPath,
                int64_t numClasses) {
  Split split{io::readIdxImages(imagesPath), io::readIdxLabels(labelsPath)};
  if (split.x.shape()[0] != split.y.shape()[0])
    throwError(imagesPath, " holds ", split.x.shape()[0], " images but ",
               labelsPath, " holds ", split.y.shape()[0], " labels");
  const uint8_t *labels = split.y.data<uint8_t>();
  for (int64_t i = 0; i < split.y.size(); ++i)
    if (labels[i] >= numClasses)
      throwError(labelsPath, ": label ", int(labels[i]), " at index ", i,
                 " is outside the dataset's classes 0..", numClasses - 1);
  return split;
}

// Loads a directory laid out like MNIST's original distribution.
Dataset loadIdxDataset(const std::string &dir, const char *datasetName,
                       const char *package, int64_t numClasses) {
  const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  std::string paths[4];
  std::string missing;
  for (int i = 0; i < 4; ++i) {
    paths[i] = findFile(dir, names[i]);
    if (paths[i].empty())
      missing += std::string(missing.empty() ? "" : ", ") + names[i] + ".gz";
  }
  if (!missing.empty()) {
    std::error_code ec;
    bool dirExists = fs::is_directory(dir, ec);
    throwError(datasetName, " not found: ",
               dirExists ? "directory " + dir + " lacks " + missing
                         : "directory " + dir + " does not exist",
               "; install it with `apt-get install ", package, "`");
  }
  return Dataset{loadSplit(paths[0], paths[1], numClasses),
                 loadSplit(paths[2], paths[3], numClasses)};
}

} // namespace

namespace fashion_mnist {

Dataset load_data(const std::string &dir) {
  return loadIdxDataset(dir, "Fashion-MNIST", "dataset-fashion-mnist", 10);
}

} // namespace fashion_mnist

} // namespace kiln::datasets
