// Model files are input from strangers: truncated, corrupt, wrong-typed,
// absurdly shaped, mismatched, zip bombs and path tricks each give a
// kiln::Error naming the file and the problem, never a crash and never an
// allocation the file did not pay for. Hostile HDF5 files are written here
// with the HDF5 C API, archives with libzip.
#include "FrontendTestUtil.h"

#include "frontend/saving/AtomicFile.h"
#include "frontend/saving/Limits.h"
#include "frontend/saving/Zip.h"

#include <hdf5.h>
#include <zip.h>

#include <filesystem>
#include <fstream>

using namespace kiln;
using namespace kiln::test;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir;
  TempDir() {
    dir = fs::temp_directory_path() /
          ("kiln-hostile-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string &name) const { return (dir / name).string(); }
};

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string readBytes(const std::string &path) {
  return saving::readFile(path, uint64_t(1) << 32);
}

Sequential small() {
  Sequential model;
  model.add(layers::Dense(4, {.activation = "relu", .input_dim = 3}));
  model.add(layers::Dense(2));
  model.compile({.optimizer = "adam", .loss = "mse"});
  return model;
}

/// Expects load_model(path) to throw a kiln::Error naming the file and
/// containing `what`.
void expectRejected(const std::string &path, const std::string &what) {
  std::string msg = errorOf([&] { load_model(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

/// A legacy HDF5 model: `config` as model_config, then `fill` adds groups.
void writeH5(const std::string &path, const std::string &config,
             const std::function<void(hid_t)> &fill) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, H5T_VARIABLE);
  hid_t scalar = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, "model_config", str, scalar, H5P_DEFAULT, H5P_DEFAULT);
  const char *p = config.c_str();
  H5Awrite(a, str, &p);
  H5Aclose(a);
  fill(f);
  H5Sclose(scalar);
  H5Tclose(str);
  H5Fclose(f);
}

/// Fixed-length strings, as Keras 2.1-2.3 wrote `layer_names`.
void fixedStrings(hid_t obj, const char *name, const std::vector<std::string> &values) {
  size_t width = 1;
  for (const auto &v : values)
    width = std::max(width, v.size());
  std::string buf(width * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(), buf.begin() + long(i * width));
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, width);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  hsize_t n = values.size();
  hid_t s = H5Screate_simple(1, &n, nullptr);
  hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, buf.data());
  H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
}

/// A float32 dataset of `dims`, written from `data` when given (else left
/// unallocated: a huge shape costs the file nothing).
void dataset(hid_t loc, const std::string &path, std::vector<hsize_t> dims,
             const std::vector<float> *data = nullptr, hid_t type = H5T_IEEE_F32LE) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t s = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
  hid_t d = H5Dcreate2(loc, path.c_str(), type, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (data)
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data->data());
  H5Dclose(d);
  H5Sclose(s);
  H5Pclose(lcpl);
}

const char *kDenseConfig =
    R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config":
       {"name": "dense_1", "units": 2, "activation": "linear",
        "batch_input_shape": [null, 3]}}]})";

void denseGroups(hid_t f, std::vector<hsize_t> kernelDims, bool writeData = true) {
  hid_t g = H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  fixedStrings(g, "layer_names", {"dense_1"});
  hid_t l = H5Gcreate2(g, "dense_1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  fixedStrings(l, "weight_names", {"dense_1/kernel:0", "dense_1/bias:0"});
  std::vector<float> k(6, 0.5f), b(2, 0.25f);
  dataset(l, "dense_1/kernel:0", kernelDims, writeData ? &k : nullptr);
  dataset(l, "dense_1/bias:0", {2}, &b);
  H5Gclose(l);
  H5Gclose(g);
}

} // namespace

// Tests a hand-written Keras 2.1-style file (list-form Sequential config,
// fixed-length strings) loads: the fixture the hostile variants start from.
TEST(FrontendSavingHostile, HandWrittenLegacyFileLoads) {
  TempDir tmp;
  writeH5(tmp / "ok.h5", kDenseConfig, [](hid_t f) { denseGroups(f, {3, 2}); });
  Model model = load_model(tmp / "ok.h5");
  model.compile({.optimizer = "sgd", .loss = "mse"});
  Tensor y = model.predict(f32({1, 1, 1}, {1, 3}));
  EXPECT_EQ(values(y), (std::vector<float>{1.75f, 1.75f}));
}

// Tests truncated .keras and .h5 files at several lengths.
TEST(FrontendSavingHostile, TruncatedFiles) {
  TempDir tmp;
  Sequential model = small();
  for (std::string name : {"m.keras", "m.h5"}) {
    model.save(tmp / name);
    std::string bytes = readBytes(tmp / name);
    for (size_t keep : {size_t(0), size_t(3), size_t(100), bytes.size() / 2, bytes.size() - 1}) {
      writeBytes(tmp / ("cut-" + name), bytes.substr(0, keep));
      std::string msg = errorOf([&] { load_model(tmp / ("cut-" + name)); });
      EXPECT_NE(msg.find(tmp / ("cut-" + name)), std::string::npos)
          << name << " cut at " << keep << ": " << msg;
    }
  }
}

// Tests corrupted bytes: each load throws kiln::Error or loads; none crashes.
TEST(FrontendSavingHostile, CorruptBytesNeverCrash) {
  TempDir tmp;
  Sequential model = small();
  for (std::string name : {"m.keras", "m.h5"}) {
    model.save(tmp / name);
    std::string bytes = readBytes(tmp / name);
    std::mt19937 rng(11);
    int rejected = 0;
    for (int trial = 0; trial < 15; ++trial) {
      std::string bad = bytes;
      for (int k = 0; k < 8; ++k)
        bad[rng() % std::min<size_t>(bad.size(), 4096)] ^= char(1 + rng() % 255);
      writeBytes(tmp / ("bad-" + name), bad);
      try {
        load_model(tmp / ("bad-" + name));
      } catch (const Error &e) {
        ++rejected;
        EXPECT_NE(std::string(e.what()).find("bad-" + name), std::string::npos) << e.what();
      }
    }
    std::cout << "[ corrupt ] " << name << ": " << rejected << "/15 rejected, the rest loaded\n";
  }
}

// Tests wrong types: a non-JSON model_config, a string where units belong,
// a string dataset where a kernel belongs.
TEST(FrontendSavingHostile, WrongTypes) {
  TempDir tmp;
  writeH5(tmp / "a.h5", "not json", [](hid_t f) { denseGroups(f, {3, 2}); });
  expectRejected(tmp / "a.h5", "invalid JSON");
  std::string cfg = kDenseConfig;
  cfg.replace(cfg.find("\"units\": 2"), 10, "\"units\": \"2\"");
  writeH5(tmp / "b.h5", cfg, [](hid_t f) { denseGroups(f, {3, 2}); });
  expectRejected(tmp / "b.h5", "'units' must be an integer");
  writeH5(tmp / "c.h5", kDenseConfig, [](hid_t f) {
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 8);
    denseGroups(f, {3, 2}, false);
    H5Ldelete(f, "model_weights/dense_1/dense_1/kernel:0", H5P_DEFAULT);
    hid_t l = H5Gopen2(f, "model_weights/dense_1", H5P_DEFAULT);
    dataset(l, "dense_1/kernel:0", {3, 2}, nullptr, str);
    H5Gclose(l);
    H5Tclose(str);
  });
  expectRejected(tmp / "c.h5", "expected a numeric dataset");
}

// Tests absurd shapes: a 2^40-element kernel in the file, and a config
// that asks for 2^40 weights; both refused before any allocation.
TEST(FrontendSavingHostile, AbsurdShapes) {
  TempDir tmp;
  writeH5(tmp / "big.h5", kDenseConfig,
          [](hid_t f) { denseGroups(f, {hsize_t(1) << 20, hsize_t(1) << 20}, false); });
  EXPECT_LT(fs::file_size(tmp / "big.h5"), 1u << 20);
  expectRejected(tmp / "big.h5", "has shape (1048576, 1048576) but the model expects (3, 2)");
  std::string cfg = kDenseConfig;
  cfg.replace(cfg.find("\"units\": 2"), 10, "\"units\": 1099511627776");
  writeH5(tmp / "units.h5", cfg, [](hid_t f) { denseGroups(f, {3, 2}); });
  expectRejected(tmp / "units.h5", "exceeds the limit");
  std::string msg = errorOf([&] { model_from_json(cfg); });
  EXPECT_NE(msg.find("exceeds the limit"), std::string::npos) << msg;
  // Integers written as floats far beyond int64 (found by kiln-fuzz-config:
  // the conversion was undefined behaviour), or as unsigned beyond int64.
  for (const char *units : {"3.2e76", "-1e300", "18446744073709551615"}) {
    std::string c = kDenseConfig;
    c.replace(c.find("\"units\": 2"), 10, std::string("\"units\": ") + units);
    msg = errorOf([&] { model_from_json(c); });
    EXPECT_NE(msg.find("'units'"), std::string::npos) << units << ": " << msg;
  }
}

// Tests weights that do not fit the model: a wrong kernel shape, and a
// weights file with more layers than the model.
TEST(FrontendSavingHostile, MismatchedWeights) {
  TempDir tmp;
  writeH5(tmp / "shape.h5", kDenseConfig, [](hid_t f) { denseGroups(f, {2, 3}); });
  expectRejected(tmp / "shape.h5", "model_weights/dense_1/dense_1/kernel:0: has shape (2, 3)");
  Sequential model = small();
  model.save_weights(tmp / "w.h5");
  Sequential one;
  one.add(layers::Dense(2, {.input_dim = 3}));
  std::string msg = errorOf([&] { one.load_weights(tmp / "w.h5"); });
  EXPECT_NE(msg.find("holds weights for 2 layers, but the model has 1"), std::string::npos)
      << msg;
  // Nothing was replaced by the failed load.
  std::vector<Tensor> before = one.get_weights();
  errorOf([&] { one.load_weights(tmp / "w.h5"); });
  EXPECT_TRUE(weightsEqual(before, one.get_weights()));
}

// Tests a zip bomb: model.weights.h5 deflated from 128 MiB of zeros.
TEST(FrontendSavingHostile, ZipBomb) {
  TempDir tmp;
  Sequential model = small();
  model.save(tmp / "m.keras");
  saving::ZipReader good = saving::ZipReader::open(tmp / "m.keras");
  std::string config = good.read("config.json", 1 << 20);
  std::string zeros(size_t(128) << 20, '\0');
  int err = 0;
  zip_t *z = zip_open((tmp / "bomb.keras").c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_TRUE(z);
  zip_file_add(z, "config.json", zip_source_buffer(z, config.data(), config.size(), 0), 0);
  zip_int64_t i = zip_file_add(z, "model.weights.h5",
                               zip_source_buffer(z, zeros.data(), zeros.size(), 0), 0);
  zip_set_file_compression(z, zip_uint64_t(i), ZIP_CM_DEFLATE, 9);
  ASSERT_EQ(zip_close(z), 0);
  EXPECT_LT(fs::file_size(tmp / "bomb.keras"), 1u << 20);
  expectRejected(tmp / "bomb.keras", "archive entry 'model.weights.h5': inflates to 134217728 bytes");
}

// Tests archive entries whose names attack an extracting reader.
TEST(FrontendSavingHostile, PathTricksInArchives) {
  TempDir tmp;
  for (std::string evil : {"../../evil.txt", "/etc/evil", "assets\\..\\x", "a/../../b"}) {
    std::string bytes = saving::makeZip({{"config.json", "{}"}, {evil, "x"}});
    writeBytes(tmp / "evil.keras", bytes);
    expectRejected(tmp / "evil.keras", "unsafe path");
  }
}

// Tests hostile JSON: unbalanced, deeply nested, models nested too deep,
// not a model at all.
TEST(FrontendSavingHostile, HostileJson) {
  EXPECT_NE(errorOf([] { model_from_json("{\"class_name\": "); }).find("invalid JSON"),
            std::string::npos);
  std::string deep(200000, '[');
  EXPECT_NE(errorOf([&] { model_from_json(deep); }).find("invalid JSON"), std::string::npos);
  std::string nested = R"({"class_name": "Sequential", "config": {"layers": [
      {"class_name": "InputLayer", "config": {"batch_shape": [null, 2]}}, X]}})";
  std::string inner = R"({"class_name": "Dense", "config": {"units": 1}})";
  for (int i = 0; i < 40; ++i)
    inner = R"({"class_name": "Sequential", "config": {"layers": [)" + inner + "]}}";
  nested.replace(nested.find('X'), 1, inner);
  EXPECT_NE(errorOf([&] { model_from_json(nested); }).find("nested more than"),
            std::string::npos);
  EXPECT_NE(errorOf([] { model_from_json("[1, 2]"); }).find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              model_from_json(R"({"class_name": "Sequential", "config": {"layers": [
                {"class_name": "Dense", "config": {"units": 4}}]}})");
            }).find("declares no input shape"),
            std::string::npos);
  // A layer class Kiln lacks is named; a wrapper without its layer too.
  EXPECT_NE(errorOf([] {
              model_from_json(R"({"class_name": "Sequential", "config": {"layers": [
                {"class_name": "InputLayer", "config": {"batch_shape": [null, 3, 2]}},
                {"class_name": "ConvLSTM1D", "config": {"name": "c"}}]}})");
            }).find("unsupported layer ConvLSTM1D"),
            std::string::npos);
  for (const char *wrapper : {"TimeDistributed", "Bidirectional"}) {
    std::string msg = errorOf([&] {
      model_from_json(std::string(R"({"class_name": "Sequential", "config": {"layers": [
                {"class_name": "InputLayer", "config": {"batch_shape": [null, 3, 2]}},
                {"class_name": ")") + wrapper + R"(", "config": {"name": "w", "layer": 3}}]}})");
    });
    EXPECT_NE(msg.find("'layer' must be a layer entry"), std::string::npos) << msg;
  }
}

// Tests files that are no model: random bytes, a folder, a missing path.
TEST(FrontendSavingHostile, NotModelFiles) {
  TempDir tmp;
  writeBytes(tmp / "noise.bin", std::string(1000, '\x7f'));
  expectRejected(tmp / "noise.bin", "not a Keras model file");
  expectRejected(tmp.dir.string(), "not a regular file");
  expectRejected(tmp / "missing.keras", "cannot open");
  Sequential model = small();
  model.save_weights(tmp / "w.h5");
  expectRejected(tmp / "w.h5", "no model_config");
}

// Tests a file on which libhdf5 1.10 loops forever (found by kiln-fuzz-hdf5):
// the checking process is killed at the deadline and the load fails.
TEST(FrontendSavingHostile, Hdf5LibraryLoopIsCut) {
  std::string file = std::string(KILN_SOURCE_DIR) +
                     "/test/fuzz/corpus/hdf5/regression-libhdf5-loop.h5";
  unsigned before = saving::limits().hdf5CheckSeconds;
  saving::limits().hdf5CheckSeconds = 2;
  expectRejected(file, "did not finish reading it in 2 s");
  saving::limits().hdf5CheckSeconds = before;
}

