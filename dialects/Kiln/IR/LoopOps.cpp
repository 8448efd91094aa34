//===- LoopOps.cpp - Type inference and verifiers of scan and split -------===//
//
// The scan verifier states the loop's typing rules in one place: the
// region's arguments follow the operand groups, the yield follows the
// results, and every stacked output has a leading time axis and a way to
// size it before the loop runs.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kiln;

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOptionalError(loc, "'kiln.split' axis ", axis,
                             " is out of range for ", in);
  if (ShapedType::isDynamic(in.getDimSize(axis)))
    return emitOptionalError(loc, "'kiln.split' axis ", axis, " of ", in,
                             " must have a static size");
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s <= 0)
      return emitOptionalError(loc, "'kiln.split' part size ", s,
                               " must be positive");
    total += s;
  }
  if (sizes.empty() || total != in.getDimSize(axis))
    return emitOptionalError(loc, "'kiln.split' sizes add up to ", total,
                             " but axis ", axis, " of ", in, " has ",
                             in.getDimSize(axis));
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(in.getShape());
    shape[axis] = s;
    results.push_back(RankedTensorType::get(shape, in.getElementType()));
  }
  return success();
}

LogicalResult ZerosOp::verify() {
  if ((int64_t)getDynamicSizes().size() != getType().getNumDynamicDims())
    return emitOpError("needs one size for each of the ")
           << getType().getNumDynamicDims() << " dynamic dimensions of "
           << getType() << ", got " << getDynamicSizes().size();
  return success();
}

namespace {

/// Drops the stacked outputs nothing reads (the forward pass's sequence of
/// states once only the tape is used, say): the loop stops storing them.
struct DropUnusedStackedOutputs : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScanOp scan,
                                PatternRewriter &rewriter) const override {
    size_t numCarried = scan.getInits().size();
    SmallVector<size_t> kept;
    for (auto [k, r] : llvm::enumerate(scan.getStackedOutputs()))
      if (!r.use_empty())
        kept.push_back(k);
    if (kept.size() == scan.getStackedOutputs().size())
      return failure();
    SmallVector<Type> types(scan.getFinalCarried().getTypes());
    YieldOp yield = scan.getYield();
    SmallVector<Value> values(yield.getValues().take_front(numCarried));
    for (size_t k : kept) {
      types.push_back(scan.getStackedOutputs()[k].getType());
      values.push_back(yield.getValues()[numCarried + k]);
    }
    auto next = ScanOp::create(rewriter, scan.getLoc(), types,
                               scan.getSequences(), scan.getInits(),
                               scan.getCaptures(), scan.getReverse());
    rewriter.inlineRegionBefore(scan.getBody(), next.getBody(),
                                next.getBody().end());
    rewriter.modifyOpInPlace(yield,
                             [&] { yield.getValuesMutable().assign(values); });
    SmallVector<Value> replacements(next.getFinalCarried());
    replacements.resize(scan.getNumResults());
    for (auto [i, k] : llvm::enumerate(kept))
      replacements[numCarried + k] = next.getStackedOutputs()[i];
    rewriter.replaceOp(scan, replacements);
    return success();
  }
};

} // namespace

void ScanOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<DropUnusedStackedOutputs>(context);
}

YieldOp ScanOp::getYield() {
  return cast<YieldOp>(getBody().front().getTerminator());
}

int64_t ScanOp::getLength() {
  for (Value seq : getSequences()) {
    int64_t t = cast<RankedTensorType>(seq.getType()).getDimSize(0);
    if (!ShapedType::isDynamic(t))
      return t;
  }
  return ShapedType::kDynamic;
}

RankedTensorType ScanOp::getStepType(Type stacked) {
  auto type = cast<RankedTensorType>(stacked);
  return RankedTensorType::get(type.getShape().drop_front(),
                               type.getElementType());
}

RankedTensorType ScanOp::getStackedType(Type step, int64_t length) {
  auto type = cast<RankedTensorType>(step);
  SmallVector<int64_t> shape{length};
  llvm::append_range(shape, type.getShape());
  return RankedTensorType::get(shape, type.getElementType());
}

bool ScanOp::canStack(Type step, TypeRange sized) {
  return cast<RankedTensorType>(step).hasStaticShape() ||
         llvm::is_contained(sized, step);
}

LogicalResult ScanOp::verifyRegions() {
  if (getSequences().empty())
    return emitOpError("needs at least one sequence to iterate over");
  int64_t length = ShapedType::kDynamic;
  SmallVector<Type> expectedArgs;
  for (Value seq : getSequences()) {
    auto type = cast<RankedTensorType>(seq.getType());
    if (type.getRank() < 2)
      return emitOpError("sequence ")
             << type << " needs a leading time axis and a step of rank >= 1";
    int64_t t = type.getDimSize(0);
    if (!ShapedType::isDynamic(t) && !ShapedType::isDynamic(length) &&
        t != length)
      return emitOpError("sequences have different lengths: ")
             << length << " and " << t;
    if (!ShapedType::isDynamic(t))
      length = t;
    expectedArgs.push_back(getStepType(type));
  }
  for (Value v : getInits())
    expectedArgs.push_back(v.getType());
  for (Value v : getCaptures())
    expectedArgs.push_back(v.getType());

  Block &block = getBody().front();
  if (block.getArgumentTypes() != TypeRange(expectedArgs)) {
    auto diag = emitOpError("region arguments must be the sequence steps, the "
                            "carried values and the captures, of types (");
    llvm::interleaveComma(expectedArgs, diag);
    diag << "), got (";
    llvm::interleaveComma(block.getArgumentTypes(), diag);
    return diag << ")";
  }
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return emitOpError("region must end with kiln.yield");
  size_t numCarried = getInits().size();
  if (yield.getValues().size() != getNumResults())
    return emitOpError("yields ")
           << yield.getValues().size() << " values for " << getNumResults()
           << " results";
  if (yield.getValues().size() < numCarried)
    return emitOpError("yields fewer values than it carries");
  for (auto [i, init, next, result] :
       llvm::enumerate(getInits(), yield.getValues().take_front(numCarried),
                       getFinalCarried()))
    if (init.getType() != next.getType() || init.getType() != result.getType())
      return emitOpError("carried value #")
             << i << " has type " << init.getType() << " but the step yields "
             << next.getType() << " and the result is " << result.getType();
  for (auto [i, out, result] :
       llvm::enumerate(yield.getValues().drop_front(numCarried),
                       getStackedOutputs())) {
    auto outType = cast<RankedTensorType>(out.getType());
    auto resultType = cast<RankedTensorType>(result.getType());
    if (resultType.getRank() != outType.getRank() + 1 ||
        getStepType(resultType) != outType ||
        resultType.getDimSize(0) != length)
      return emitOpError("stacked output #")
             << i << " of step type " << outType << " must have type "
             << "with a leading axis of the sequences' length, got "
             << resultType;
    if (!canStack(outType,
                  ArrayRef<Type>(expectedArgs).drop_back(getCaptures().size())))
      return emitOpError("stacked output #")
             << i << " has dynamic type " << outType
             << " that no sequence step or carried value has, so its size is "
                "unknown before the loop";
  }
  return success();
}
