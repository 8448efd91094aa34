// The compile cache's file format and folder: what reads back, what is
// refused (truncated, corrupt, stale), the environment switches, and
// writers in two processes racing on one entry while a third reads it.
#include "runtime/cache/CacheFile.h"
#include "../ScopedEnv.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sys/wait.h>
#include <unistd.h>

namespace cache = kiln::cache;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";

std::vector<cache::Section> sampleSections() {
  std::string binary;
  for (int i = 0; i < 1000; ++i)
    binary.push_back(static_cast<char>(i * 7));
  return {{"object", binary}, {"entries", "train_step\neval_step\n"}};
}

bool sameSections(const std::vector<cache::Section> &a,
                  const std::vector<cache::Section> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].bytes != b[i].bytes)
      return false;
  return true;
}

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

using kiln::test::ScopedEnv;

TEST(RuntimeCacheFile, EncodedSectionsDecodeUnderTheirKey) {
  auto sections = sampleSections();
  std::string bytes = cache::encode(kKey, sections);
  auto decoded = cache::decode(bytes, kKey);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(sameSections(*decoded, sections));
  // No sections at all is a valid entry too.
  auto empty = cache::decode(cache::encode(kKey, {}), kKey);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(RuntimeCacheFile, EveryTruncationIsRefused) {
  std::string bytes = cache::encode(kKey, sampleSections());
  for (size_t size = 0; size < bytes.size(); ++size)
    EXPECT_FALSE(cache::decode(std::string_view(bytes).substr(0, size), kKey))
        << "a file cut to " << size << " of " << bytes.size()
        << " bytes decoded";
  // Bytes after a whole file are no file of this format either.
  EXPECT_FALSE(cache::decode(bytes + "x", kKey));
}

TEST(RuntimeCacheFile, EveryFlippedByteIsRefused) {
  std::string bytes = cache::encode(kKey, sampleSections());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x20);
    EXPECT_FALSE(cache::decode(corrupt, kKey))
        << "a file with byte " << i << " flipped decoded";
  }
}

TEST(RuntimeCacheFile, AnotherKeysEntryIsStale) {
  std::string bytes = cache::encode(kKey, sampleSections());
  EXPECT_FALSE(cache::decode(bytes, "fedcba9876543210fedcba9876543210"));
  EXPECT_FALSE(cache::decode(bytes, kKey.substr(1)));
}

TEST(RuntimeCacheFile, FolderStoresAndLoadsWithoutTemporaries) {
  kiln::test::TempDir dir;
  cache::Folder folder(dir.path() + "/nested/cache");
  EXPECT_FALSE(folder.load(kKey));
  ASSERT_TRUE(folder.store(kKey, sampleSections()));
  auto loaded = folder.load(kKey);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(sameSections(*loaded, sampleSections()));
  std::vector<std::string> files;
  for (const auto &entry : fs::directory_iterator(folder.path()))
    files.push_back(entry.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{kKey + ".kiln"});
}

TEST(RuntimeCacheFile, CorruptOrStaleFilesReadAsAbsentAndAreReplaced) {
  kiln::test::TempDir dir;
  cache::Folder folder(dir.path());
  ASSERT_TRUE(folder.store(kKey, sampleSections()));
  std::string file = folder.fileOf(kKey);
  std::string good = readAll(file);

  writeAll(file, good.substr(0, good.size() / 2));
  EXPECT_FALSE(folder.load(kKey)) << "truncated";
  std::string flipped = good;
  flipped[good.size() / 2] ^= 1;
  writeAll(file, flipped);
  EXPECT_FALSE(folder.load(kKey)) << "corrupt";
  const std::string other = "ffffffffffffffffffffffffffffffff";
  writeAll(file, cache::encode(other, sampleSections()));
  EXPECT_FALSE(folder.load(kKey)) << "another key's entry";

  ASSERT_TRUE(folder.store(kKey, sampleSections()));
  EXPECT_TRUE(folder.load(kKey));
}

TEST(RuntimeCacheFile, KeysThatAreNotFileNamesAreRefused) {
  kiln::test::TempDir dir;
  cache::Folder folder(dir.path());
  for (const std::string &key : std::vector<std::string>{
           "", "../escape", "a/b", "UPPER", std::string(129, 'a')}) {
    EXPECT_FALSE(folder.store(key, sampleSections())) << key;
    EXPECT_FALSE(folder.load(key)) << key;
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(RuntimeCacheFile, StoreIntoAnUnwritableFolderFails) {
  kiln::test::TempDir dir;
  // A regular file where the folder would be.
  writeAll(dir.file("blocked"), "x");
  cache::Folder folder(dir.file("blocked") + "/cache");
  EXPECT_FALSE(folder.store(kKey, sampleSections()));
}

TEST(RuntimeCacheFile, EnvironmentChoosesTheFolderAndTheOffSwitch) {
  {
    ScopedEnv cacheOff("KILN_CACHE", nullptr);
    EXPECT_FALSE(cache::disabledByEnvironment());
  }
  for (const char *off : {"off", "0", "false", "no", "OFF"}) {
    ScopedEnv cacheOff("KILN_CACHE", off);
    EXPECT_TRUE(cache::disabledByEnvironment()) << off;
  }
  {
    ScopedEnv cacheOn("KILN_CACHE", "on");
    EXPECT_FALSE(cache::disabledByEnvironment());
  }
  ScopedEnv home("HOME", "/home/someone");
  ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
  {
    ScopedEnv dir("KILN_CACHE_DIR", "/tmp/kiln-cache-here");
    EXPECT_EQ(cache::folderFromEnvironment(), "/tmp/kiln-cache-here");
  }
  ScopedEnv dir("KILN_CACHE_DIR", nullptr);
  EXPECT_EQ(cache::folderFromEnvironment(), "/home/someone/.cache/kiln");
  ScopedEnv xdgSet("XDG_CACHE_HOME", "/var/cache/someone");
  EXPECT_EQ(cache::folderFromEnvironment(), "/var/cache/someone/kiln");
}

/// Two processes store different 4 MiB entries under one key as fast as they
/// can while this one loads it: every load that finds a file must read one
/// writer's entry whole, and no temporary file may be left.
TEST(RuntimeCacheFile, ConcurrentWritersInTwoProcessesNeverExposeAPartialEntry) {
  kiln::test::TempDir dir;
  cache::Folder folder(dir.path());
  auto entryOf = [](char fill) {
    return std::vector<cache::Section>{
        {"object", std::string(4 << 20, fill)}, {"entries", "step\n"}};
  };
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  std::vector<pid_t> writers;
  for (char fill : {'a', 'b'}) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto entry = entryOf(fill);
      bool ok = true;
      while (std::chrono::steady_clock::now() < deadline)
        ok = folder.store(kKey, entry) && ok;
      _exit(ok ? 0 : 1);
    }
    writers.push_back(pid);
  }
  int loads = 0, partial = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!fs::exists(folder.fileOf(kKey)))
      continue;
    auto loaded = folder.load(kKey);
    ++loads;
    if (!loaded || !(sameSections(*loaded, entryOf('a')) ||
                     sameSections(*loaded, entryOf('b'))))
      ++partial;
  }
  for (pid_t pid : writers) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a writer's store failed";
  }
  EXPECT_GT(loads, 0);
  EXPECT_EQ(partial, 0) << "of " << loads << " loads";
  std::vector<std::string> files;
  for (const auto &entry : fs::directory_iterator(dir.path()))
    files.push_back(entry.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{kKey + ".kiln"});
}

} // namespace
