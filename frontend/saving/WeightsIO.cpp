// Layer weights in Keras's legacy and archive HDF5 layouts.
#include "frontend/saving/WeightsIO.h"

#include "runtime/Error.h"

namespace kiln::saving {
namespace {

/// The Keras 2 name of a weight: "dense/kernel:0".
std::string legacyName(const LayerImpl &l, size_t i) {
  return l.name() + "/" + l.specs()[i].name + ":0";
}

std::string join(const std::vector<std::string> &parts, const std::string &sep) {
  std::string s;
  for (const std::string &p : parts)
    s += (s.empty() ? "" : sep) + p;
  return s;
}

/// Copies every tensor into its layer only after all of them were read.
void assign(const std::vector<std::pair<std::shared_ptr<LayerImpl>, std::vector<Tensor>>> &all) {
  for (const auto &[layer, values] : all)
    Layer(layer).set_weights(values);
}

size_t weightCount(const LegacyGroup &g) {
  size_t n = 0;
  for (const auto &l : g.layers)
    n += l->kerasWeights().size();
  return n;
}

} // namespace

void writeLegacyWeights(H5Group group, const std::vector<LegacyGroup> &layers) {
  std::vector<std::string> names;
  for (const LegacyGroup &g : layers)
    names.push_back(g.name);
  group.setStringAttr("backend", "tensorflow");
  group.setStringAttr("keras_version", "2.15.0");
  group.setStringsAttr("layer_names", names);
  for (const LegacyGroup &g : layers) {
    H5Group lg = group.createGroup(g.name);
    std::vector<std::string> weightNames;
    for (const auto &l : g.layers)
      for (size_t i = 0; i < l->kerasWeights().size(); ++i)
        weightNames.push_back(legacyName(*l, i));
    lg.setStringsAttr("weight_names", weightNames);
    size_t k = 0;
    for (const auto &l : g.layers)
      for (const Tensor &w : l->kerasWeights())
        lg.writeDataset(weightNames[k++], w);
  }
  // Keras 2.9+ keeps the model's own (here: no) weights in this group.
  group.createGroup("top_level_model_weights").setStringsAttr("weight_names", {});
}

void readLegacyWeights(const H5Group &group, const std::vector<LegacyGroup> &layers) {
  std::vector<std::string> fileLayers;
  for (const std::string &name : group.stringsAttr("layer_names")) {
    if (!group.hasGroup(name))
      throwError(group.where(name), "listed in layer_names but missing");
    if (!group.group(name).stringsAttr("weight_names").empty())
      fileLayers.push_back(name);
  }
  std::vector<const LegacyGroup *> modelLayers;
  for (const LegacyGroup &g : layers)
    if (weightCount(g) > 0)
      modelLayers.push_back(&g);
  if (fileLayers.size() != modelLayers.size())
    throwError(group.where(), "holds weights for ", fileLayers.size(),
               " layers, but the model has ", modelLayers.size(),
               " layers with weights");
  std::vector<std::pair<std::shared_ptr<LayerImpl>, std::vector<Tensor>>> all;
  for (size_t i = 0; i < fileLayers.size(); ++i) {
    H5Group g = group.group(fileLayers[i]);
    std::vector<std::string> names = g.stringsAttr("weight_names");
    const LegacyGroup &mine = *modelLayers[i];
    if (names.size() != weightCount(mine))
      throwError(g.where(), "has ", names.size(), " weights, but layer '",
                 mine.name, "' of the model has ", weightCount(mine));
    size_t k = 0;
    for (const auto &l : mine.layers) {
      std::vector<Tensor> values;
      for (const Tensor &w : l->kerasWeights())
        values.push_back(g.readDataset(names[k++], w.shape()));
      all.push_back({l, std::move(values)});
    }
  }
  assign(all);
}

void writeArchiveWeights(H5Group root, const std::vector<WeightHome> &homes) {
  root.createGroup("vars"); // the model's own variables: none
  for (const WeightHome &h : homes) {
    // Keras 3 leaves the `vars` of each object on the way empty when a
    // sub-object (a recurrent layer's cell) holds the weights.
    std::string home = join(h.archivePath, "/");
    std::vector<Tensor> weights = h.layer->kerasWeights();
    size_t k = 0;
    for (const auto &[sub, count] : h.layer->archiveWeightGroups()) {
      std::string at = home;
      for (size_t pos = 0; !sub.empty() && pos != std::string::npos;) {
        if (!root.hasGroup(at + "/vars"))
          root.createGroup(at + "/vars");
        size_t next = sub.find('/', pos);
        at = home + "/" + sub.substr(0, next);
        pos = next == std::string::npos ? next : next + 1;
      }
      H5Group vars = root.createGroup(at + "/vars");
      for (size_t i = 0; i < count; ++i)
        vars.writeDataset(std::to_string(i), weights.at(k++));
    }
  }
}

void readArchiveWeights(const H5Group &root, const std::vector<WeightHome> &homes) {
  std::vector<std::pair<std::shared_ptr<LayerImpl>, std::vector<Tensor>>> all;
  for (const WeightHome &h : homes) {
    // tf.keras 2.13-2.15 named the containers `_layer_checkpoint_dependencies`
    // and, saving on Windows, joined the path with backslashes into one name.
    std::vector<std::string> legacy = h.archivePath;
    for (std::string &p : legacy)
      if (p == "layers")
        p = "_layer_checkpoint_dependencies";
    std::vector<Tensor> weights = h.layer->kerasWeights();
    std::vector<Tensor> values;
    for (const auto &[sub, n] : h.layer->archiveWeightGroups()) {
      std::string found, cell = sub.empty() ? "" : "/" + sub;
      for (const std::string &cand :
           {join(h.archivePath, "/"), join(legacy, "/"), join(legacy, "\\")})
        if (found.empty() && root.hasGroup(cand + cell + "/vars"))
          found = cand + cell + "/vars";
      if (found.empty()) {
        if (n == 0)
          continue;
        throwError(root.where(join(h.archivePath, "/") + cell + "/vars"),
                   "missing: no weights for layer '", h.layer->name(), "'");
      }
      H5Group vars = root.group(found);
      size_t have = vars.children().size();
      if (have != n)
        throwError(vars.where(), "holds ", have, " variables, but layer '",
                   h.layer->name(), "' (", h.layer->className(), ") has ", n,
                   sub.empty() ? "" : " in its " + sub);
      for (size_t i = 0; i < n; ++i)
        values.push_back(vars.readDataset(std::to_string(i),
                                          weights.at(values.size()).shape()));
    }
    if (!values.empty())
      all.push_back({h.layer, std::move(values)});
  }
  assign(all);
}

} // namespace kiln::saving
