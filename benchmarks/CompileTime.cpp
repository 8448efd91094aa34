// kiln-compile-time: how long Model::compile takes, stage by stage, for the
// first model of a fresh process (MLIR context set-up included), cold (the
// compile cache off) and warm (its steps loaded from a cache the previous
// process filled).
//
//   kiln-compile-time [--models mlp,cnn,keras-cnn] [--runs 5] [--check]
//   kiln-compile-time --timing --child mlp     (one compile, MLIR's report)
//
// Each run of each model is a new process (this program, --child); runs of
// the models interleave, and the table gives medians in milliseconds. The
// budgets (MLP 500 ms, CNN 1000 ms cold; 50 ms warm) are checked with
// --check, which fails when a median is over. Models: the Fashion-MNIST MLP
// and CNN of examples/, and keras-cnn, the largest model an example loads
// (load_model on ../shared/keras-files' Keras 3 CNN, three convolutions;
// skipped where the file is absent).
#include "benchmarks/TutorialModels.h"
#include "frontend/Keras.h"

#include "llvm/Support/CommandLine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

using namespace kiln;
namespace fs = std::filesystem;

llvm::cl::opt<std::string> modelsOpt("models",
                                     llvm::cl::desc("comma-separated models"),
                                     llvm::cl::init("mlp,cnn,keras-cnn"));
llvm::cl::opt<int> runsOpt("runs", llvm::cl::desc("processes per model"),
                           llvm::cl::init(5));
llvm::cl::opt<bool> checkOpt("check",
                             llvm::cl::desc("fail when a median is over its "
                                            "budget"));
llvm::cl::opt<bool> timingOpt("timing",
                              llvm::cl::desc("print MLIR's timing report of "
                                             "each compile (with --child)"));
llvm::cl::opt<std::string> childOpt("child",
                                    llvm::cl::desc("compile one model in this "
                                                   "process and print its "
                                                   "stages"),
                                    llvm::cl::init(""));

const char *kKerasCnn = KILN_SHARED_DIR
    "/keras-files/k3-cnn-dotkeras-fmnist/fashion_mnist_cnn.keras";

/// The model's compile timings (the examples' exact models).
CompileTimings compileModel(const std::string &name) {
  if (name == "mlp")
    return bench::mlp().compile_timings();
  if (name == "cnn")
    return bench::cnn().compile_timings();
  if (name == "keras-cnn") {
    Model model = load_model(kKerasCnn);
    return model.compile_timings();
  }
  throwError("unknown model '", name, "' (mlp, cnn, keras-cnn)");
}

int child(const std::string &name) {
  config::set_compile_timing(timingOpt);
  CompileTimings t = compileModel(name);
  // One line for the parent: stage=ms pairs, then the totals.
  std::printf("stages");
  for (const CompileTimings::Stage &stage : t.stages)
    std::printf(" %s=%.3f", stage.name.c_str(), stage.cpuSeconds * 1e3);
  std::printf(" compile=%.3f hit=%d\n", t.totalSeconds * 1e3, t.cacheHit);
  return 0;
}

struct Sample {
  std::map<std::string, double> ms;
  std::vector<std::string> order;
  double processMs = 0, cpuMs = 0;
};

/// Runs this program with --child `model` (environment plus `env`) and
/// parses its line.
std::optional<Sample> spawnChild(const std::string &model,
                                 const std::vector<std::string> &env) {
  int out[2];
  if (pipe(out) != 0)
    return std::nullopt;
  std::vector<std::string> envStrings(env);
  for (char **e = environ; *e; ++e)
    envStrings.push_back(*e);
  std::vector<char *> envp;
  for (std::string &e : envStrings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string self = fs::read_symlink("/proc/self/exe");
  std::string flag = "--child", modelArg = model;
  std::vector<char *> argv = {self.data(), flag.data(), modelArg.data(),
                              nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(),
                       envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return std::nullopt;
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, n);
  close(out[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::nullopt;
  Sample s;
  s.processMs = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  auto ms = [](const timeval &t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  s.cpuMs = ms(usage.ru_utime) + ms(usage.ru_stime);
  std::istringstream line(text.substr(text.rfind("stages")));
  std::string word;
  line >> word;
  while (line >> word) {
    auto eq = word.find('=');
    if (eq != std::string::npos) {
      s.order.push_back(word.substr(0, eq));
      s.ms[s.order.back()] = std::stod(word.substr(eq + 1));
    }
  }
  return s;
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2]
                      : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int parent() {
  std::vector<std::string> models;
  std::stringstream list(modelsOpt);
  for (std::string m; std::getline(list, m, ',');)
    if (m != "keras-cnn" || fs::exists(kKerasCnn))
      models.push_back(m);
  fs::path cacheRoot = fs::temp_directory_path() /
                       ("kiln-compile-time-" + std::to_string(getpid()));
  // model -> cold/warm samples.
  std::map<std::string, std::vector<Sample>> cold, warm;
  std::vector<std::string> stageOrder;
  for (int run = 0; run < runsOpt; ++run)
    for (const std::string &model : models) {
      fs::path dir = cacheRoot / (model + std::to_string(run));
      std::vector<std::string> env = {"KILN_CACHE_DIR=" + dir.string(),
                                      "KILN_CACHE=on"};
      auto first = spawnChild(model, env);  // empty cache: compiles, stores
      auto second = spawnChild(model, env); // loads what the first stored
      if (!first || !second) {
        std::fprintf(stderr, "kiln-compile-time: the %s child failed\n",
                     model.c_str());
        fs::remove_all(cacheRoot);
        return 1;
      }
      for (const Sample *s : {&*first, &*second})
        for (const std::string &stage : s->order)
          if (std::find(stageOrder.begin(), stageOrder.end(), stage) ==
              stageOrder.end())
            stageOrder.push_back(stage);
      cold[model].push_back(*first);
      warm[model].push_back(*second);
    }
  fs::remove_all(cacheRoot);

  std::printf("compile time, ms (median of %d fresh processes per model; "
              "stages: CPU time summed over the steps compiled in "
              "parallel)\n",
              int(runsOpt));
  std::printf("%-24s", "stage");
  for (const std::string &m : models)
    std::printf(" %12s", (m + " cold").c_str());
  for (const std::string &m : models)
    std::printf(" %12s", (m + " warm").c_str());
  std::printf("\n");
  auto row = [&](const std::string &label, auto value) {
    std::printf("%-24s", label.c_str());
    for (auto *samples : {&cold, &warm})
      for (const std::string &m : models) {
        std::vector<double> v;
        for (const Sample &s : (*samples)[m])
          v.push_back(value(s));
        std::printf(" %12.1f", median(v));
      }
    std::printf("\n");
  };
  for (const std::string &stage : stageOrder)
    if (stage != "compile" && stage != "hit")
      row(stage, [&](const Sample &s) {
        auto it = s.ms.find(stage);
        return it == s.ms.end() ? 0.0 : it->second;
      });
  row("compile (wall)", [](const Sample &s) { return s.ms.at("compile"); });
  row("process (wall)", [](const Sample &s) { return s.processMs; });
  row("process (cpu)", [](const Sample &s) { return s.cpuMs; });
  row("cache hit", [](const Sample &s) { return s.ms.at("hit"); });

  const std::map<std::string, double> budgets = {{"mlp", 500}, {"cnn", 1000}};
  bool over = false;
  for (const std::string &m : models) {
    std::vector<double> c, w;
    for (const Sample &s : cold[m])
      c.push_back(s.ms.at("compile"));
    for (const Sample &s : warm[m])
      w.push_back(s.ms.at("compile"));
    auto budget = budgets.find(m);
    if (budget != budgets.end() && median(c) > budget->second) {
      std::printf("%s: cold compile %.0f ms, over its %.0f ms budget\n",
                  m.c_str(), median(c), budget->second);
      over = true;
    }
    if (median(w) > 50) {
      std::printf("%s: warm compile %.0f ms, over the 50 ms budget\n",
                  m.c_str(), median(w));
      over = true;
    }
  }
  return checkOpt && over ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) try {
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "Kiln compile time by stage\n");
  return childOpt.empty() ? parent() : child(childOpt);
} catch (const std::exception &e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
