// Keras's sequence layers: Embedding, and the recurrent SimpleRNN, LSTM and
// GRU. Each recurrent layer runs its time loop compiled as a loop
// (kiln.scan), with the input projection of all steps as one matmul before
// it; and the wrappers TimeDistributed and Bidirectional.
#ifndef KILN_FRONTEND_RECURRENTLAYERS_H
#define KILN_FRONTEND_RECURRENTLAYERS_H

#include "frontend/Initializers.h"
#include "frontend/Layer.h"

#include <optional>

namespace kiln::layers {

struct EmbeddingOptions {
  /// Keras's default: RandomUniform(-0.05, 0.05).
  Initializer embeddings_initializer = initializers::RandomUniform();
  /// Id 0 as padding (Keras's mask_zero): a recurrent layer reading the
  /// output (directly or through Dropout) skips the padded steps, carrying
  /// its state through them; with return_sequences it outputs the carried
  /// state there and passes the mask on.
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
  /// dropped with one mask for every time step; recurrent_dropout drops
  /// units of h_{t-1} where it enters the recurrent product, one mask per
  /// sample for every step. Inference applies neither.
  double dropout = 0, recurrent_dropout = 0;
  /// The whole sequence of outputs (batch, time, units) instead of the last.
  bool return_sequences = false;
  /// Also returns the last states (h; LSTM: h, then c), each (batch,
  /// units), after the output: call the layer with call_outputs.
  bool return_state = false;
  /// Reads the sequence from its end (the last output then belongs to the
  /// first time step).
  bool go_backwards = false;
  /// Keras's stateful: the last state of each batch row is the initial
  /// state of the same row in the next batch, across fit, evaluate and
  /// predict calls, until reset_states(). Needs a fixed batch size
  /// (batch_input_shape, or Input(..., batch_size) before the layer), and
  /// every batch then has exactly that many rows.
  bool stateful = false;
  /// Only on the first layer: (time, features); Keras 1/2 also spell it
  /// input_length and input_dim, and batch_input_shape (batch, time,
  /// features) fixes the batch too.
  Shape input_shape = {};
  int64_t input_dim = 0;
  int64_t input_length = 0;
  Shape batch_input_shape = {};
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
  /// As SimpleRNN's.
  double dropout = 0, recurrent_dropout = 0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  Shape input_shape = {};
  int64_t input_dim = 0;
  int64_t input_length = 0;
  Shape batch_input_shape = {};
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
  /// dropout as SimpleRNN's; recurrent_dropout is accepted and, as in
  /// Keras's GRU cell, not applied.
  double dropout = 0, recurrent_dropout = 0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  Shape input_shape = {};
  int64_t input_dim = 0;
  int64_t input_length = 0;
  Shape batch_input_shape = {};
  std::string name = "";
};
/// Keras `GRU`: gates z, r, h in that order along the kernels' last axis.
class GRU : public Layer {
public:
  explicit GRU(int64_t units, GRUOptions options = {});
};

struct TimeDistributedOptions {
  /// Only on the first layer: (time, ...).
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `TimeDistributed(layer)`: `layer` applied to every time step of a
/// (batch, time, ...) input with the same weights (its own, in its order).
/// Kiln wraps the layers that act on the last axis alone: Dense,
/// Activation, Dropout, ReLU, LeakyReLU, Softmax, BatchNormalization.
class TimeDistributed : public Layer {
public:
  explicit TimeDistributed(const Layer &layer, TimeDistributedOptions options = {});
};

struct BidirectionalOptions {
  /// How the two directions' outputs combine: "concat" (the last axis
  /// doubles), "sum", "mul", "ave", or "None" (Keras's None: the two
  /// outputs, forward first; call the layer with call_outputs).
  std::string merge_mode = "concat";
  /// The backward layer (go_backwards = true); by default a copy of the
  /// wrapped layer with go_backwards flipped.
  std::optional<Layer> backward_layer = std::nullopt;
  Shape input_shape = {};
  std::string name = "";
};
/// Keras `Bidirectional(layer)`: a SimpleRNN, LSTM or GRU run forwards
/// (a copy named forward_<name>) and backwards (backward_<name>) over the
/// same input, each with its own weights (forward's first); with
/// return_sequences the backward outputs are put back in time order. With
/// return_state on the wrapped layer, the forward layer's last states and
/// then the backward layer's follow the output(s).
class Bidirectional : public Layer {
public:
  explicit Bidirectional(const Layer &layer, BidirectionalOptions options = {});
};

} // namespace kiln::layers

#endif // KILN_FRONTEND_RECURRENTLAYERS_H
