//===- Indexing.cpp - Loop indices for generated code ---------------------===//
#include "compiler/Codegen/Indexing.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln {

SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<Value> sizes) {
  SmallVector<Value> at(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    if (i == 0) {
      at[i] = linear;
      break;
    }
    at[i] = arith::RemUIOp::create(b, loc, linear, sizes[i]);
    linear = arith::DivUIOp::create(b, loc, linear, sizes[i]);
  }
  return at;
}

SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map,
                            ArrayRef<Value> at) {
  SmallVector<Value> out;
  for (AffineExpr e : map.getResults())
    out.push_back(affine::expandAffineExpr(b, loc, e, at, ValueRange()));
  return out;
}

} // namespace kiln
