// Keras's CallbackList: the callbacks of one fit() in Keras's order, attached
// to the model while it trains, and the one place that dispatches to them.
#ifndef KILN_RUNTIME_TRAIN_CALLBACKLIST_H
#define KILN_RUNTIME_TRAIN_CALLBACKLIST_H

#include "runtime/train/Callbacks.h"

#include <memory>
#include <vector>

namespace kiln::train {

class CallbackList {
public:
  // The progress bar first (when `progbar`), then `callbacks`, then a new
  // History; every one attached to `context` until the list is destroyed,
  // however fit() ends.
  CallbackList(const std::vector<std::shared_ptr<Callback>> &callbacks,
               bool progbar, TrainContext &context);
  ~CallbackList();
  CallbackList(const CallbackList &) = delete;
  CallbackList &operator=(const CallbackList &) = delete;

  void on_train_begin(Logs &logs);
  void on_train_end(Logs &logs);
  void on_epoch_begin(int epoch, Logs &logs);
  void on_epoch_end(int epoch, Logs &logs);
  void on_train_batch_begin(int64_t batch, Logs &logs);
  void on_train_batch_end(int64_t batch, Logs &logs);

  // True when one of the callbacks is a T (or derives from it).
  template <typename T> bool contains() const {
    for (const auto &cb : callbacks_)
      if (dynamic_cast<const T *>(cb.get()))
        return true;
    return false;
  }
  // The History this list appended, detached from the model.
  History history() const;

private:
  std::vector<std::shared_ptr<Callback>> callbacks_;
  std::shared_ptr<History> history_;
};

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_CALLBACKLIST_H
