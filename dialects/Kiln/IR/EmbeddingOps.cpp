//===- EmbeddingOps.cpp - Type inference of embedding and its adjoint -----===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace kiln;

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto ids = cast<RankedTensorType>(adaptor.getIds().getType());
  auto table = cast<RankedTensorType>(adaptor.getTable().getType());
  if (table.getRank() != 2)
    return emitOptionalError(loc, "'kiln.embedding' table must have rank 2 "
                                  "(rows, row length), got ",
                             table);
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  results.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

LogicalResult EmbeddingGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  auto ids = cast<RankedTensorType>(adaptor.getIds().getType());
  auto dy = cast<RankedTensorType>(adaptor.getDy().getType());
  auto table = cast<RankedTensorType>(adaptor.getTable().getType());
  if (table.getRank() != 2 || dy.getRank() != ids.getRank() + 1)
    return emitOptionalError(loc, "'kiln.embedding_grad' expects dy ", dy,
                             " of the ids' rank + 1 (ids ", ids,
                             ") and a rank-2 table, got ", table);
  results.push_back(table);
  return success();
}
