// Keras optimizers with Keras 3's defaults.
#include "frontend/Optimizers.h"

#include "runtime/Error.h"

#include <algorithm>

namespace kiln {

Optimizer::Optimizer(const std::string &name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), ::tolower);
  if (n == "sgd")
    *this = Optimizer(optimizers::SGD{});
  else if (n == "rmsprop")
    *this = Optimizer(optimizers::RMSprop{});
  else if (n == "adam")
    *this = Optimizer(optimizers::Adam{});
  else if (n == "adagrad")
    *this = Optimizer(optimizers::Adagrad{});
  else
    throwError("unknown optimizer '", name,
               "'; expected one of: sgd, rmsprop, adam, adagrad");
}

Optimizer::Optimizer(const optimizers::SGD &o)
    : name_("sgd"), learningRate_(o.learning_rate), momentum_(o.momentum),
      nesterov_(o.nesterov) {
  if (o.momentum < 0 || o.momentum > 1)
    throwError("SGD: momentum must be in [0, 1], got ", o.momentum);
}

Optimizer::Optimizer(const optimizers::RMSprop &o)
    : name_("rmsprop"), learningRate_(o.learning_rate), rho_(o.rho),
      epsilon_(o.epsilon) {
  if (o.momentum != 0 || o.centered)
    throwError("RMSprop: momentum and centered are not supported yet");
}

Optimizer::Optimizer(const optimizers::Adam &o)
    : name_("adam"), learningRate_(o.learning_rate), beta1_(o.beta_1),
      beta2_(o.beta_2), epsilon_(o.epsilon) {
  if (o.amsgrad)
    throwError("Adam: amsgrad is not supported yet");
}

Optimizer::Optimizer(const optimizers::Adagrad &o)
    : name_("adagrad"), learningRate_(o.learning_rate), epsilon_(o.epsilon),
      initialAccumulator_(o.initial_accumulator_value) {}

} // namespace kiln
