//===- PassOptionErrors.h - Messages for malformed pass options -*- C++ -*-===//
//
// llvm::cl reports a value it cannot parse ("threads=abc") on stderr
// and MLIR then fails with an empty `<unknown>:0: error:`. A pass overrides
// initializeOptions with initializeOptionsNamingValue so that the error
// itself names the pass, the option and the value.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TRANSFORMS_PASSOPTIONERRORS_H
#define KILN_COMPILER_TRANSFORMS_PASSOPTIONERRORS_H

#include "mlir/Pass/Pass.h"

namespace kiln {

/// The `key=value` entries of a textual pass option string; values may be
/// quoted ("...", '...') or braced ({...}), as MLIR's option parser allows.
llvm::SmallVector<llvm::StringRef> splitPassOptions(llvm::StringRef options);

/// Parses `options` with `parse` (the pass's base initializeOptions). When
/// that fails without reporting a message, parses the entries one at a time and
/// reports the first that fails as "<pass>: invalid value '<v>' for option
/// '<key>'" through `errorHandler`.
llvm::LogicalResult initializeOptionsNamingValue(
    llvm::StringRef passArgument, llvm::StringRef options,
    llvm::function_ref<llvm::LogicalResult(const llvm::Twine &)> errorHandler,
    llvm::function_ref<llvm::LogicalResult(
        llvm::StringRef,
        llvm::function_ref<llvm::LogicalResult(const llvm::Twine &)>)>
        parse);

/// A pass base (a generated `impl::...PassBase<Derived>`) whose malformed
/// option values are reported through initializeOptionsNamingValue:
///   struct MyPass : NamesBadOptionValues<impl::MyPassBase<MyPass>> {
///     using NamesBadOptionValues::NamesBadOptionValues;
template <typename Base>
struct NamesBadOptionValues : public Base {
  using Base::Base;
  llvm::LogicalResult initializeOptions(
      llvm::StringRef options,
      llvm::function_ref<llvm::LogicalResult(const llvm::Twine &)>
          errorHandler) override {
    return initializeOptionsNamingValue(
        this->getArgument(), options, errorHandler,
        [&](llvm::StringRef o,
            llvm::function_ref<llvm::LogicalResult(const llvm::Twine &)>
                onError) { return Base::initializeOptions(o, onError); });
  }
};

} // namespace kiln

#endif // KILN_COMPILER_TRANSFORMS_PASSOPTIONERRORS_H
