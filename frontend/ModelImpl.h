// Model internals shared by the frontend's model files (frontend-internal).
#ifndef KILN_FRONTEND_MODELIMPL_H
#define KILN_FRONTEND_MODELIMPL_H

#include "frontend/Model.h"

#include "compiler/JIT/Jit.h"

#include <memory>
#include <optional>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace kiln {

struct Model::Impl {
  std::string name;
  bool sequential = false;
  /// The graph: Input tensors and output tensors.
  std::vector<KerasTensor> inputs, outputs;
  /// Sequential layers added before the input shape was known.
  std::vector<Layer> pending;

  /// Derived from the graph by analyze(): nodes in topological order
  /// (inputs first) and the distinct layers in that order.
  std::vector<std::shared_ptr<detail::Node>> nodes;
  std::vector<std::shared_ptr<LayerImpl>> layers;

  std::optional<CompileOptions> compileOptions;
  std::vector<std::string> resultNames;
  std::string mlir;
  double compileSeconds = 0;
  CompileTimings compileTimings;
  /// What the steps were JIT-compiled with (threads from config::threading).
  JitOptions jitOptions;
  std::unique_ptr<JitModule> jit;
  abi::CompiledSteps steps;
  /// The processes a data-parallel train step was compiled for (null:
  /// trained alone).
  std::shared_ptr<dist::Communicator> communicator;
  std::unique_ptr<train::ModelState> state;
  /// predict() before compile(), as Keras allows: the predict step alone,
  /// compiled on first use, sharing the layers' weights; compile() and a
  /// change of the graph drop it.
  std::unique_ptr<JitModule> predictJit;
  abi::CompiledSteps predictSteps;
  std::unique_ptr<train::ModelState> predictState;

  Impl();
  ~Impl();

  bool built() const { return !outputs.empty(); }
  /// Builds a Sequential model whose first layer had no input_shape from
  /// the per-sample shape of `x`.
  void buildFrom(const Tensor &x);
  /// Recomputes nodes and layers; throws if the outputs need an input that
  /// is not one of the model's inputs.
  void analyze();
  /// The outputs' names, as tf.keras sets them: the layer's name, and for
  /// a second output of the same layer "<name>_1", "<name>_2", ...
  std::vector<std::string> outputNames() const;
  /// Every weight of every layer, in layer order.
  std::vector<Tensor> layerWeights() const;
  /// The model as kiln IR: @forward, and with compile options @loss (the
  /// loss and the metrics) and the module's #kiln.optimizer. Fills `sig`
  /// (targets only with compile options) and, with them, resultNames.
  mlir::OwningOpRef<mlir::ModuleOp> emitModule(mlir::MLIRContext &ctx,
                                               abi::StepSignature &sig);
  /// Emits, lowers and JIT-compiles the steps for compileOptions (into
  /// jit, steps and state), or without them predict_step alone (into
  /// predictJit, predictSteps and predictState).
  void compileSteps();
  void dropPredictOnly();
  void requireCompiled(const char *what) const;
};

/// A shape as Keras prints it ("(None, 784)", "(None,)"): None for a free
/// batch, the number for a fixed one (a stateful model's).
std::string kerasShape(Shape shape, int64_t batch = 0);

/// A layer's shapes over its calls (one list of shapes per call), as
/// tf.keras prints layer.output_shape: one shape, or a list of them for
/// several tensors or an InputLayer (`asList`), or `whenCallsDiffer` when
/// the calls disagree.
std::string kerasShapes(const std::vector<std::vector<Shape>> &perCall,
                        int64_t batch, bool asList, const char *whenCallsDiffer);

} // namespace kiln

#endif // KILN_FRONTEND_MODELIMPL_H
