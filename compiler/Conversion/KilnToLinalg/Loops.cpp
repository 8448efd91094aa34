//===- Loops.cpp - kiln.scan to scf.for, kiln.split to slices -------------===//
//
// A scan becomes one scf.for over time whose iteration arguments are the
// carried values and the stacked outputs (allocated once before the loop and
// written one time step at a time with tensor.insert_slice), so the step's
// ops are lowered, tiled and threaded like any others and bufferization
// updates the stacked outputs in place.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/Patterns.h"
#include "compiler/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln::lowering {
namespace {

struct SplitLowering : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t axis = op.getAxis();
    Sizes sizes = sizesOf(rewriter, loc, input);
    Sizes offsets(sizes.size(), indexAttr(rewriter, 0));
    Sizes strides(sizes.size(), indexAttr(rewriter, 1));
    SmallVector<Value> parts;
    int64_t offset = 0;
    for (auto [size, result] : llvm::zip(op.getSizes(), op.getResults())) {
      offsets[axis] = indexAttr(rewriter, offset);
      sizes[axis] = indexAttr(rewriter, size);
      parts.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, cast<RankedTensorType>(result.getType()), input,
          offsets, sizes, strides));
      offset += size;
    }
    rewriter.replaceOp(op, parts);
    return success();
  }
};

struct ZerosLowering : OpConversionPattern<ZerosOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ZerosOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Sizes sizes;
    ValueRange dynamic = adaptor.getDynamicSizes();
    for (int64_t d : type.getShape()) {
      if (ShapedType::isDynamic(d)) {
        sizes.push_back(dynamic.front());
        dynamic = dynamic.drop_front();
      } else {
        sizes.push_back(indexAttr(rewriter, d));
      }
    }
    rewriter.replaceOp(
        op, filledTensor(rewriter, loc, sizes,
                         floatConstant(rewriter, loc, type.getElementType(), 0)));
    return success();
  }
};

/// Offsets `[t, 0, ...]`, sizes `[1, stepSizes...]` and unit strides: the
/// time step `t` of a stacked tensor.
struct TimeSlice {
  Sizes offsets, sizes, strides;
  TimeSlice(OpBuilder &b, Value t, ArrayRef<OpFoldResult> stepSizes) {
    offsets.assign(stepSizes.size() + 1, indexAttr(b, 0));
    offsets[0] = t;
    sizes.push_back(indexAttr(b, 1));
    sizes.append(stepSizes.begin(), stepSizes.end());
    strides.assign(stepSizes.size() + 1, indexAttr(b, 1));
  }
};

struct ScanLowering : OpConversionPattern<ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ValueRange sequences = adaptor.getSequences();
    ValueRange inits = adaptor.getInits();
    size_t numCarried = inits.size();

    // The run-time sizes of every step argument but the captures, taken
    // outside the loop; a stacked output is sized like the first of them
    // with its type (the verifier guarantees one exists when it is dynamic).
    SmallVector<Type> argTypes;
    SmallVector<Sizes> argSizes;
    for (Value seq : sequences) {
      argTypes.push_back(ScanOp::getStepType(seq.getType()));
      argSizes.push_back(Sizes(ArrayRef(sizesOf(rewriter, loc, seq)).drop_front()));
    }
    for (Value init : inits) {
      argTypes.push_back(init.getType());
      argSizes.push_back(sizesOf(rewriter, loc, init));
    }
    Value length = getValueOrCreateConstantIndexOp(
        rewriter, loc, tensor::getMixedSize(rewriter, loc, sequences[0], 0));

    SmallVector<Value> iterInits(inits);
    SmallVector<Sizes> outputStepSizes;
    for (Value result : op.getStackedOutputs()) {
      auto type = cast<RankedTensorType>(result.getType());
      RankedTensorType step = ScanOp::getStepType(type);
      Sizes stepSizes;
      auto *it = llvm::find(argTypes, Type(step));
      if (it != argTypes.end())
        stepSizes = argSizes[it - argTypes.begin()];
      else
        for (int64_t d : step.getShape())
          stepSizes.push_back(indexAttr(rewriter, d));
      outputStepSizes.push_back(stepSizes);
      Sizes full{OpFoldResult(length)};
      full.append(stepSizes.begin(), stepSizes.end());
      iterInits.push_back(emptyTensor(rewriter, loc, sizesFor(type, full),
                                      type.getElementType()));
    }

    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(rewriter, loc, zero, length, one, iterInits);
    loop->setAttr(kTimeLoopAttrName, rewriter.getUnitAttr());
    Block *loopBody = loop.getBody();
    if (!loopBody->empty())
      rewriter.eraseOp(loopBody->getTerminator());
    rewriter.setInsertionPointToStart(loopBody);
    Value t = loop.getInductionVar();
    if (op.getReverse()) {
      Value last = arith::SubIOp::create(rewriter, loc, length, one);
      t = arith::SubIOp::create(rewriter, loc, last, t);
    }

    SmallVector<Value> stepArgs;
    for (auto [seq, type, sizes] :
         llvm::zip(sequences, ArrayRef(argTypes).take_front(sequences.size()),
                   ArrayRef(argSizes).take_front(sequences.size()))) {
      TimeSlice slice(rewriter, t, sizes);
      stepArgs.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, cast<RankedTensorType>(type), seq, slice.offsets,
          slice.sizes, slice.strides));
    }
    ValueRange iterArgs = loop.getRegionIterArgs();
    llvm::append_range(stepArgs, iterArgs.take_front(numCarried));
    llvm::append_range(stepArgs, adaptor.getCaptures());

    rewriter.inlineBlockBefore(&op.getBody().front(), loopBody,
                               loopBody->end(), stepArgs);
    auto yield = cast<YieldOp>(loopBody->getTerminator());
    rewriter.setInsertionPoint(yield);
    SmallVector<Value> next(yield.getValues().take_front(numCarried));
    for (auto [out, stacked, stepSizes] :
         llvm::zip(yield.getValues().drop_front(numCarried),
                   iterArgs.drop_front(numCarried), outputStepSizes)) {
      Sizes sizes = stepSizes;
      // Dynamic sizes inside the loop come from the step's own value.
      auto outType = cast<RankedTensorType>(out.getType());
      for (int64_t d = 0; d < outType.getRank(); ++d)
        if (outType.isDynamicDim(d))
          sizes[d] = tensor::getMixedSize(rewriter, loc, out, d);
      TimeSlice slice(rewriter, t, sizes);
      next.push_back(tensor::InsertSliceOp::create(rewriter, loc, out, stacked,
                                                   slice.offsets, slice.sizes,
                                                   slice.strides));
    }
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.eraseOp(yield);
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

} // namespace

void populateLoopPatterns(RewritePatternSet &patterns) {
  patterns.add<SplitLowering, ScanLowering, ZerosLowering>(patterns.getContext());
}

} // namespace kiln::lowering
