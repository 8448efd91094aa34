// The Fashion-MNIST MLP of the seed tutorial, as the frontend emits it:
// Flatten(28, 28) -> Dense(300, relu) -> Dense(100, relu) -> Dense(10, softmax)
// with sparse categorical cross-entropy on integer labels.
func.func @loss(%w0: tensor<784x300xf32>, %b0: tensor<300xf32>,
                %w1: tensor<300x100xf32>, %b1: tensor<100xf32>,
                %w2: tensor<100x10xf32>, %b2: tensor<10xf32>,
                %x: tensor<?x28x28xf32>, %y: tensor<?xi32>) -> tensor<f32> {
  %flat = kiln.reshape %x : tensor<?x28x28xf32> -> tensor<?x784xf32>
  %h0 = kiln.dense %flat, %w0, %b0 : tensor<?x784xf32>, tensor<784x300xf32>, tensor<300xf32>
  %a0 = kiln.relu %h0 : tensor<?x300xf32>
  %h1 = kiln.dense %a0, %w1, %b1 : tensor<?x300xf32>, tensor<300x100xf32>, tensor<100xf32>
  %a1 = kiln.relu %h1 : tensor<?x100xf32>
  %h2 = kiln.dense %a1, %w2, %b2 : tensor<?x100xf32>, tensor<100x10xf32>, tensor<10xf32>
  %p = kiln.softmax %h2 axis = -1 : tensor<?x10xf32>
  %l = kiln.sparse_categorical_crossentropy %y, %p : tensor<?xi32>, tensor<?x10xf32>
  return %l : tensor<f32>
}
