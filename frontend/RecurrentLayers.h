// Keras's sequence layers: Embedding, and the recurrent SimpleRNN, LSTM and
// GRU. Each recurrent layer runs its time loop compiled as a loop
// (kiln.scan), with the input projection of all steps as one matmul before
// it.
#ifndef KILN_FRONTEND_RECURRENTLAYERS_H
#define KILN_FRONTEND_RECURRENTLAYERS_H

#include "frontend/Initializers.h"
#include "frontend/Layer.h"

namespace kiln::layers {

struct EmbeddingOptions {
  /// Keras's default: RandomUniform(-0.05, 0.05).
  Initializer embeddings_initializer = initializers::RandomUniform();
  /// Id 0 as padding that later layers skip; not supported yet.
  bool mask_zero = false;
  /// Only on the first layer: the sequence length (Keras 2), or input_shape.
  int64_t input_length = 0;
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Embedding`: ids (batch, ...) -> rows of the (input_dim,
/// output_dim) table, (batch, ..., output_dim). Ids may be integer or
/// whole-number float tensors. Ids outside [0, input_dim) given to fit,
/// evaluate or predict for an Embedding that reads a model input are an
/// error, as in Keras (the compiled lookup itself clamps them).
class Embedding : public Layer {
public:
  Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options = {});
};

struct SimpleRNNOptions {
  std::string activation = "tanh";
  bool use_bias = true;
  Initializer kernel_initializer = "glorot_uniform";
  Initializer recurrent_initializer = "orthogonal";
  Initializer bias_initializer = "zeros";
  /// Keras's dropout: in training, each sample's input features are
  /// dropped with one mask for every time step. recurrent_dropout is not
  /// applied yet (a warning says so); inference, where Keras applies
  /// neither, is exact.
  double dropout = 0, recurrent_dropout = 0;
  /// The whole sequence of outputs (batch, time, units) instead of the last.
  bool return_sequences = false;
  /// Reads the sequence from its end (the last output then belongs to the
  /// first time step).
  bool go_backwards = false;
  /// Only on the first layer: (time, features); Keras 1/2 also spell it
  /// input_length and input_dim.
  Shape input_shape = {};
  int64_t input_dim = 0;
  int64_t input_length = 0;
  std::string name = "";
};
/// Keras `SimpleRNN`: h_t = activation(x_t · kernel + h_{t-1} ·
/// recurrent_kernel + bias).
class SimpleRNN : public Layer {
public:
  explicit SimpleRNN(int64_t units, SimpleRNNOptions options = {});
};

struct LSTMOptions {
  std::string activation = "tanh";
  std::string recurrent_activation = "sigmoid";
  bool use_bias = true;
  Initializer kernel_initializer = "glorot_uniform";
  Initializer recurrent_initializer = "orthogonal";
  Initializer bias_initializer = "zeros";
  /// The forget gate's bias starts at 1 (Keras's default).
  bool unit_forget_bias = true;
  double dropout = 0, recurrent_dropout = 0;
  bool return_sequences = false;
  bool go_backwards = false;
  Shape input_shape = {};
  int64_t input_dim = 0;
  int64_t input_length = 0;
  std::string name = "";
};
/// Keras `LSTM`: gates i, f, c, o in that order along the kernels' last axis.
class LSTM : public Layer {
public:
  explicit LSTM(int64_t units, LSTMOptions options = {});
};

struct GRUOptions {
  std::string activation = "tanh";
  std::string recurrent_activation = "sigmoid";
  bool use_bias = true;
  Initializer kernel_initializer = "glorot_uniform";
  Initializer recurrent_initializer = "orthogonal";
  Initializer bias_initializer = "zeros";
  /// Keras 2.x/3's default: the reset gate applies after the recurrent
  /// product, with separate input and recurrent biases (bias (2, 3 units));
  /// false: before it, one bias (3 units).
  bool reset_after = true;
  double dropout = 0, recurrent_dropout = 0;
  bool return_sequences = false;
  bool go_backwards = false;
  Shape input_shape = {};
  int64_t input_dim = 0;
  int64_t input_length = 0;
  std::string name = "";
};
/// Keras `GRU`: gates z, r, h in that order along the kernels' last axis.
class GRU : public Layer {
public:
  explicit GRU(int64_t units, GRUOptions options = {});
};

} // namespace kiln::layers

#endif // KILN_FRONTEND_RECURRENTLAYERS_H
