// kiln::train::OrderedMap, Logs: the insertion-ordered dictionaries that
// Keras's training loop passes around (`logs`, `history.history`).
#ifndef KILN_RUNTIME_TRAIN_LOGS_H
#define KILN_RUNTIME_TRAIN_LOGS_H

#include "runtime/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace kiln::train {

// A small string-keyed map that remembers insertion order, like a Python
// dict: iteration and keys() follow the order in which keys were first set
// ("loss", "accuracy", "val_loss", "val_accuracy"). Lookups are linear, which
// is the fastest choice for the handful of keys a model reports.
//
// Reading a missing key with operator[] or at() throws a kiln::Error that
// lists the keys present; writes go through set(), so a typo never inserts
// a silent zero.
template <typename V>
class OrderedMap {
public:
  using Item = std::pair<std::string, V>;
  using const_iterator = typename std::vector<Item>::const_iterator;

  // Inserts `key` at the end, or overwrites its value in place.
  void set(const std::string &key, V value) {
    for (Item &item : items_)
      if (item.first == key) {
        item.second = std::move(value);
        return;
      }
    items_.emplace_back(key, std::move(value));
  }

  bool contains(const std::string &key) const { return find(key) != nullptr; }

  // The value of `key`, or nullptr when absent (Python's dict.get).
  const V *find(const std::string &key) const {
    for (const Item &item : items_)
      if (item.first == key)
        return &item.second;
    return nullptr;
  }
  V *find(const std::string &key) {
    for (Item &item : items_)
      if (item.first == key)
        return &item.second;
    return nullptr;
  }

  const V &at(const std::string &key) const {
    if (const V *v = find(key))
      return *v;
    throwError("no key '", key, "'; the keys are: ", joinedKeys());
  }
  const V &operator[](const std::string &key) const { return at(key); }

  // Keys in insertion order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const Item &item : items_)
      out.push_back(item.first);
    return out;
  }
  // "loss, accuracy, val_loss", or "(none)".
  std::string joinedKeys(const char *separator = ", ") const {
    if (items_.empty())
      return "(none)";
    std::string s;
    for (size_t i = 0; i < items_.size(); ++i)
      s += (i ? separator : "") + items_[i].first;
    return s;
  }

  const std::vector<Item> &items() const { return items_; }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  // The value at position `i` in insertion order; for hot loops that update
  // a fixed set of keys without searching.
  V &valueAt(size_t i) { return items_.at(i).second; }

private:
  std::vector<Item> items_;
};

// What Keras calls `logs`: metric name -> value for one batch or epoch.
using Logs = OrderedMap<double>;

} // namespace kiln::train

#endif // KILN_RUNTIME_TRAIN_LOGS_H
