// Keras optimizers with Keras 3's defaults. compile() takes a name
// ("sgd", "rmsprop", "adam", "adagrad") or one of these objects:
//   model.compile({.optimizer = optimizers::SGD{.learning_rate = 0.1}, ...})
#ifndef KILN_FRONTEND_OPTIMIZERS_H
#define KILN_FRONTEND_OPTIMIZERS_H

#include <string>

namespace kiln {

namespace optimizers {
struct SGD {
  double learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
};
struct RMSprop {
  double learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
};
struct Adam {
  double learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
};
struct Adagrad {
  double learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
};
} // namespace optimizers

/// Any optimizer, by name or with its hyper-parameters.
class Optimizer {
public:
  Optimizer(const char *name) : Optimizer(std::string(name)) {}
  Optimizer(const std::string &name); // Keras defaults for that optimizer
  Optimizer(const optimizers::SGD &o);
  Optimizer(const optimizers::RMSprop &o);
  Optimizer(const optimizers::Adam &o);
  Optimizer(const optimizers::Adagrad &o);

  const std::string &name() const { return name_; }
  double learning_rate() const { return learningRate_; }
  /// The other hyper-parameters, as Keras names them (those of another
  /// optimizer hold its default).
  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }
  double rho() const { return rho_; }
  double beta_1() const { return beta1_; }
  double beta_2() const { return beta2_; }
  double epsilon() const { return epsilon_; }
  double initial_accumulator_value() const { return initialAccumulator_; }

private:
  std::string name_;
  double learningRate_ = 0.01, momentum_ = 0, rho_ = 0.9, beta1_ = 0.9,
         beta2_ = 0.999, epsilon_ = 1e-7, initialAccumulator_ = 0.1;
  bool nesterov_ = false;
};

} // namespace kiln

#endif // KILN_FRONTEND_OPTIMIZERS_H
