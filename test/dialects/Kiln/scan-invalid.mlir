// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// Tests that the region's arguments must follow the operand groups.
func.func @wrong_args(%xw: tensor<5x3x4xf32>, %h0: tensor<3x4xf32>) {
  // expected-error @+1 {{region arguments must be the sequence steps, the carried values and the captures, of types ('tensor<3x4xf32>', 'tensor<3x4xf32>'), got ('tensor<5x3x4xf32>', 'tensor<3x4xf32>')}}
  %h = kiln.scan sequences(%xw : tensor<5x3x4xf32>) init(%h0 : tensor<3x4xf32>) -> tensor<3x4xf32> {
  ^bb0(%x: tensor<5x3x4xf32>, %hp: tensor<3x4xf32>):
    kiln.yield %hp : tensor<3x4xf32>
  }
  return
}

// -----
// Tests that a carried value keeps its type across the step.
func.func @carry_type(%xw: tensor<5x3x4xf32>, %h0: tensor<3x4xf32>) {
  // expected-error @+1 {{carried value #0 has type 'tensor<3x4xf32>' but the step yields 'tensor<3x2xf32>'}}
  %h = kiln.scan sequences(%xw : tensor<5x3x4xf32>) init(%h0 : tensor<3x4xf32>) -> tensor<3x4xf32> {
  ^bb0(%x: tensor<3x4xf32>, %hp: tensor<3x4xf32>):
    %a, %b = kiln.split %hp axis = 1 sizes = [2, 2] : tensor<3x4xf32>
    kiln.yield %a : tensor<3x2xf32>
  }
  return
}

// -----
// Tests that sequences agree on their length.
func.func @lengths(%a: tensor<5x3xf32>, %b: tensor<6x3xf32>) {
  // expected-error @+1 {{sequences have different lengths: 5 and 6}}
  %h = kiln.scan sequences(%a, %b : tensor<5x3xf32>, tensor<6x3xf32>) -> tensor<5x3xf32> {
  ^bb0(%x: tensor<3xf32>, %y: tensor<3xf32>):
    kiln.yield %x : tensor<3xf32>
  }
  return
}

// -----
// Tests that a stacked output has the sequences' length as leading axis.
func.func @stacked_length(%a: tensor<5x3xf32>) {
  // expected-error @+1 {{stacked output #0 of step type 'tensor<3xf32>' must have type with a leading axis of the sequences' length, got 'tensor<4x3xf32>'}}
  %h = kiln.scan sequences(%a : tensor<5x3xf32>) -> tensor<4x3xf32> {
  ^bb0(%x: tensor<3xf32>):
    kiln.yield %x : tensor<3xf32>
  }
  return
}

// -----
// Tests that a dynamic per-step output needs a step argument of its type to
// size the stacked result.
func.func @unsized(%a: tensor<5x?x3xf32>, %k: tensor<3x2xf32>) {
  // expected-error @+1 {{stacked output #0 has dynamic type 'tensor<?x2xf32>' that no sequence step or carried value has}}
  %h = kiln.scan sequences(%a : tensor<5x?x3xf32>) captures(%k : tensor<3x2xf32>) -> tensor<5x?x2xf32> {
  ^bb0(%x: tensor<?x3xf32>, %kk: tensor<3x2xf32>):
    %m = kiln.matmul %x, %kk : tensor<?x3xf32>, tensor<3x2xf32>
    kiln.yield %m : tensor<?x2xf32>
  }
  return
}

// -----
// Tests that the split sizes cover the axis.
func.func @split_sizes(%z: tensor<2x8xf32>) {
  // expected-error @+1 {{'kiln.split' sizes add up to 7 but axis 1 of 'tensor<2x8xf32>' has 8}}
  %a, %b = kiln.split %z axis = 1 sizes = [3, 4] : tensor<2x8xf32>
  return
}
