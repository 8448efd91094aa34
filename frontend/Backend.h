// Keras's backend settings (keras.backend.epsilon(), floatx(),
// image_data_format()), read from keras.json at first use as Keras reads
// them: $KILN_HOME/keras.json, else $KERAS_HOME/keras.json, else
// ~/.keras/keras.json. A missing file means Keras's defaults.
#ifndef KILN_FRONTEND_BACKEND_H
#define KILN_FRONTEND_BACKEND_H

#include <string>

namespace kiln::backend {

/// The fuzz factor: the cross-entropies clip probabilities to [epsilon,
/// 1 - epsilon] (1e-7 by default). Models compiled afterwards use it.
double epsilon();
/// Sets it; throws unless 0 < value < 0.5.
void set_epsilon(double value);
/// "float32": the type Kiln computes in (keras.json may say only that).
std::string floatx();
/// Throws unless `value` is "float32".
void set_floatx(const std::string &value);
/// "channels_last": how Kiln lays images out (keras.json may say only that).
std::string image_data_format();
/// Throws unless `value` is "channels_last".
void set_image_data_format(const std::string &value);

/// The keras.json the settings came from, or "" when none was found.
std::string config_path();
/// Reads keras.json again (after its location or contents changed),
/// replacing every setting; throws naming the file when it is malformed or
/// asks for what Kiln does not do.
void reload_config();

} // namespace kiln::backend

#endif // KILN_FRONTEND_BACKEND_H
