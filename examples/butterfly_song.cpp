// Seed 004's stateful LSTM: the melody of "나비야" (Butterfly) as 54 notes,
// learned by an LSTM(128) that keeps its state from one 4-note window to the
// next (stateful, batch_input_shape (1, 4, 1)) and forgets it with
// reset_states() after each pass over the song. Then, as the tutorial
// does, it predicts one step from each true window, and the whole song
// from its first four notes, feeding back its own notes.
//   butterfly_song [--epochs 2000] [--verbose 2: Keras's line per fit call]
#include "ExampleFlags.h"
#include "frontend/Keras.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace kiln;

namespace {

// The notes: pitch c..b and length (4: quarter, 8: eighth).
const std::vector<std::string> kSong = {
    "g8", "e8", "e4", "f8", "d8", "d4", "c8", "d8", "e8", "f8", "g8", "g8", "g4",
    "g8", "e8", "e8", "e8", "f8", "d8", "d4", "c8", "e8", "g8", "g8", "e8", "e8", "e4",
    "d8", "d8", "d8", "d8", "d8", "e8", "f4", "e8", "e8", "e8", "e8", "e8", "f8", "g4",
    "g8", "e8", "e4", "f8", "d8", "d4", "c8", "e8", "g8", "g8", "e8", "e8", "e4"};
const std::vector<std::string> kCodes = {"c4", "d4", "e4", "f4", "g4", "a4", "b4",
                                         "c8", "d8", "e8", "f8", "g8", "a8", "b8"};
constexpr int kWindow = 4;
constexpr float kMaxCode = 13.0f;

int codeOf(const std::string &note) {
  return int(std::find(kCodes.begin(), kCodes.end(), note) - kCodes.begin());
}

int argmax(const float *row, int n) { return int(std::max_element(row, row + n) - row); }

void printNotes(const char *title, const std::vector<std::string> &notes) {
  std::printf("%s:", title);
  for (size_t i = 0; i < notes.size(); ++i)
    std::printf("%s%s", i % 13 == 0 ? "\n  " : " ", notes[i].c_str());
  std::printf("\n");
}

int matching(const std::vector<std::string> &notes) {
  int same = 0;
  for (size_t i = 0; i < notes.size() && i < kSong.size(); ++i)
    same += notes[i] == kSong[i];
  return same;
}

} // namespace

int main(int argc, char **argv) try {
  auto flags = examples::parseFlags(argc, argv, /*epochs=*/2000, /*batch=*/1,
                                    "Stateful LSTM on a melody (seed 004)\n");
  utils::set_random_seed(7);
  // Windows of 4 notes (scaled codes) and the note that follows each.
  int64_t samples = int64_t(kSong.size()) - kWindow;
  std::vector<float> xs, ys(size_t(samples * int64_t(kCodes.size())), 0.f);
  for (int64_t i = 0; i < samples; ++i) {
    for (int k = 0; k < kWindow; ++k)
      xs.push_back(float(codeOf(kSong[size_t(i + k)])) / kMaxCode);
    ys[size_t(i * int64_t(kCodes.size()) + codeOf(kSong[size_t(i + kWindow)]))] = 1.f;
  }
  Tensor x = Tensor::fromVector(xs, {samples, kWindow, 1});
  Tensor y = Tensor::fromVector(ys, {samples, int64_t(kCodes.size())});

  Sequential model;
  model.add(layers::LSTM(128, {.stateful = true, .batch_input_shape = {1, kWindow, 1}}));
  model.add(layers::Dense(int64_t(kCodes.size()), {.activation = "softmax"}));
  model.summary();
  model.compile({.optimizer = "adam",
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});

  // One pass over the song per epoch, in order, the state carried from
  // window to window and reset before the next pass.
  for (int epoch = 0; epoch < flags.epochs; ++epoch) {
    History h = model.fit(x, y, {.epochs = 1, .batch_size = 1,
                                 .verbose = flags.verbose >= 2 ? 2 : 0,
                                 .shuffle = false});
    model.reset_states();
    if ((epoch + 1) % 100 == 0 || epoch + 1 == flags.epochs)
      std::printf("epoch %d: loss %.4f accuracy %.4f\n", epoch + 1,
                  h.history.at("loss").back(), h.history.at("accuracy").back());
  }

  // One step: the note after each true window.
  int64_t classes = int64_t(kCodes.size());
  std::vector<std::string> oneStep(kSong.begin(), kSong.begin() + kWindow);
  Tensor p = model.predict(x, {.batch_size = 1});
  for (int64_t i = 0; i < samples; ++i)
    oneStep.push_back(kCodes[size_t(argmax(p.data<float>() + i * classes, int(classes)))]);
  model.reset_states();

  // The whole song from its first four notes, each prediction fed back.
  std::vector<std::string> whole(kSong.begin(), kSong.begin() + kWindow);
  std::vector<float> window;
  for (int k = 0; k < kWindow; ++k)
    window.push_back(float(codeOf(kSong[size_t(k)])) / kMaxCode);
  for (int64_t i = 0; i < samples; ++i) {
    Tensor q = model.predict(Tensor::fromVector(window, {1, kWindow, 1}));
    int code = argmax(q.data<float>(), int(classes));
    whole.push_back(kCodes[size_t(code)]);
    window.erase(window.begin());
    window.push_back(float(code) / kMaxCode);
  }
  model.reset_states();

  printNotes("the song", kSong);
  printNotes("one-step prediction", oneStep);
  printNotes("full-song prediction", whole);
  std::printf("one_step_matches: %d/%zu full_song_matches: %d/%zu\n",
              matching(oneStep), kSong.size(), matching(whole), kSong.size());
  return 0;
} catch (const std::exception &e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
