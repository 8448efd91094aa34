// Keras's CallbackList: ordering, attachment and dispatch.
#include "runtime/train/CallbackList.h"

namespace kiln::train {

CallbackList::CallbackList(
    const std::vector<std::shared_ptr<Callback>> &callbacks, bool progbar,
    TrainContext &context)
    : history_(std::make_shared<History>()) {
  if (progbar)
    callbacks_.push_back(std::make_shared<ProgbarLogger>());
  callbacks_.insert(callbacks_.end(), callbacks.begin(), callbacks.end());
  callbacks_.push_back(history_);
  for (const auto &cb : callbacks_)
    cb->set_model(&context);
}

CallbackList::~CallbackList() {
  for (const auto &cb : callbacks_)
    cb->set_model(nullptr);
}

void CallbackList::on_train_begin(Logs &logs) {
  for (const auto &cb : callbacks_)
    cb->on_train_begin(logs);
}

void CallbackList::on_train_end(Logs &logs) {
  for (const auto &cb : callbacks_)
    cb->on_train_end(logs);
}

void CallbackList::on_epoch_begin(int epoch, Logs &logs) {
  for (const auto &cb : callbacks_)
    cb->on_epoch_begin(epoch, logs);
}

void CallbackList::on_epoch_end(int epoch, Logs &logs) {
  for (const auto &cb : callbacks_)
    cb->on_epoch_end(epoch, logs);
}

void CallbackList::on_train_batch_begin(int64_t batch, Logs &logs) {
  for (const auto &cb : callbacks_)
    cb->on_train_batch_begin(batch, logs);
}

void CallbackList::on_train_batch_end(int64_t batch, Logs &logs) {
  for (const auto &cb : callbacks_)
    cb->on_train_batch_end(batch, logs);
}

History CallbackList::history() const {
  // The copy must not keep a pointer to fit()'s TrainContext.
  History result = *history_;
  result.set_model(nullptr);
  return result;
}

} // namespace kiln::train
