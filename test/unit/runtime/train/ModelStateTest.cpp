// Tests for ModelState: parameter, optimizer-slot and counter buffers.
#include "runtime/train/ModelState.h"

#include "../TestUtil.h"

using kiln::DType;
using kiln::Shape;
using kiln::Tensor;
using kiln::test::containsAll;
using kiln::test::errorOf;
using kiln::train::ModelState;

namespace {

// Three parameters, the middle one not trainable, and Adagrad-like slots:
// slot 0 starts at 0.1, slot 1 at 0.
kiln::abi::StepSignature signature() {
  kiln::abi::StepSignature sig;
  sig.params = {{2, 3}, {3}, {4}};
  sig.trainable = {true, false, true};
  sig.optimizerSlots = 2;
  sig.slotInitialValues = {0.1f, 0.0f};
  sig.inputs = {{-1, 2}};
  sig.targets = {{-1, 3}};
  sig.resultNames = {"loss"};
  return sig;
}

std::vector<Tensor> initial() {
  return {Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
          Tensor::fromVector<float>({7, 8, 9}, {3}),
          Tensor::fromVector<float>({10, 11, 12, 13}, {4})};
}

TEST(RuntimeTrainModelState, SlotsAreSlotMajorOverTrainableParameters) {
  ModelState state(signature(), initial());
  ASSERT_EQ(state.slots().size(), 4u);
  EXPECT_EQ(state.slots()[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(state.slots()[1].shape(), (Shape{4}));
  EXPECT_EQ(state.slots()[2].shape(), (Shape{2, 3}));
  EXPECT_EQ(state.slots()[3].shape(), (Shape{4}));
  for (size_t s = 0; s < 4; ++s) {
    const Tensor &slot = state.slots()[s];
    for (int64_t i = 0; i < slot.size(); ++i)
      EXPECT_EQ(slot.data<float>()[i], s < 2 ? 0.1f : 0.0f) << "slot " << s;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(slot.raw()) % Tensor::kAlignment, 0u);
  }
  EXPECT_EQ(state.iterations(), 0);
  EXPECT_EQ(state.iterationsTensor().dtype(), DType::i64);
  EXPECT_EQ(state.iterationsTensor().rank(), 0);
  state.set_iterations(41);
  EXPECT_EQ(state.iterations(), 41);
}

TEST(RuntimeTrainModelState, WeightsAreCopiedInAndOut) {
  std::vector<Tensor> init = initial();
  ModelState state(signature(), init);
  // The state owns its buffers: changing the input changes nothing.
  init[0].data<float>()[0] = 100;
  std::vector<Tensor> w = state.get_weights();
  EXPECT_EQ(w[0].data<float>()[0], 1.0f);
  // get_weights returns copies.
  w[2].data<float>()[3] = -1;
  EXPECT_EQ(state.params()[2].data<float>()[3], 13.0f);

  // set_weights writes into the same buffers (descriptors stay valid) and
  // converts other dtypes.
  const void *before = state.params()[1].raw();
  state.set_weights({Tensor::zeros({2, 3}),
                     Tensor::fromVector<int32_t>({1, 2, 3}, {3}),
                     Tensor::zeros({4})});
  EXPECT_EQ(state.params()[1].raw(), before);
  EXPECT_EQ(state.params()[1].dtype(), DType::f32);
  EXPECT_EQ(state.params()[1].data<float>()[2], 3.0f);
  EXPECT_EQ(state.params()[0].data<float>()[5], 0.0f);
}

TEST(RuntimeTrainModelState, ShapeErrorsNameTheIndexAndShapes) {
  ModelState state(signature(), initial());
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        state.set_weights({Tensor::zeros({2, 3}), Tensor::zeros({2}),
                           Tensor::zeros({4})});
      }),
      {"set_weights: weight 1 has shape (2,) but the model expects (3,)"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] { state.set_weights({Tensor::zeros({2, 3})}); }),
      {"set_weights: expected 3 weights, got 1"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] {
        ModelState bad(signature(), {Tensor::zeros({3, 2}), Tensor::zeros({3}),
                                     Tensor::zeros({4})});
      }),
      {"ModelState: parameter 0 has shape (3, 2) but the model expects (2, 3)"}));
  kiln::abi::StepSignature sig = signature();
  sig.slotInitialValues = {0.1f};
  EXPECT_TRUE(containsAll(errorOf([&] { ModelState bad(sig, initial()); }),
                          {"2 optimizer slots but 1 slot initial values"}));
  EXPECT_TRUE(containsAll(
      errorOf([&] { state.set_optimizer_slots({Tensor::zeros({2, 3})}); }),
      {"expected 4 optimizer slots, got 1"}));
}

TEST(RuntimeTrainModelState, OptimizerSlotsRoundTrip) {
  ModelState state(signature(), initial());
  std::vector<Tensor> slots = state.get_optimizer_slots();
  slots[3].data<float>()[0] = 5;
  EXPECT_EQ(state.slots()[3].data<float>()[0], 0.0f);
  state.set_optimizer_slots(slots);
  EXPECT_EQ(state.slots()[3].data<float>()[0], 5.0f);
}

} // namespace
