//===- StepLayoutAttr.cpp - A step's argument layout as an attribute ------===//
#include "compiler/Transforms/StepLayoutAttr.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

namespace kiln {
namespace {

constexpr abi::ArgRole kRoles[] = {
    abi::ArgRole::Param,  abi::ArgRole::Slot,   abi::ArgRole::Iterations,
    abi::ArgRole::LearningRate, abi::ArgRole::Input, abi::ArgRole::Target,
    abi::ArgRole::Output, abi::ArgRole::Results};

std::optional<abi::ArgRole> roleNamed(llvm::StringRef name) {
  for (abi::ArgRole role : kRoles)
    if (name == abi::roleName(role))
      return role;
  return std::nullopt;
}

/// Appends a segment unless its role is already there.
bool addSegment(abi::StepLayout &layout, abi::ArgRole role, int64_t count) {
  if (count < 0 || layout.has(role))
    return false;
  layout.segments.push_back({role, static_cast<size_t>(count)});
  return true;
}

} // namespace

mlir::ArrayAttr stepLayoutToAttr(mlir::MLIRContext *context,
                                 const abi::StepLayout &layout) {
  mlir::Builder b(context);
  llvm::SmallVector<mlir::Attribute> segments;
  for (const abi::StepLayout::Segment &s : layout.segments)
    segments.push_back(
        b.getArrayAttr({b.getStringAttr(abi::roleName(s.role)),
                        b.getI64IntegerAttr(static_cast<int64_t>(s.count))}));
  return b.getArrayAttr(segments);
}

std::optional<abi::StepLayout> stepLayoutFromAttr(mlir::Attribute attr) {
  auto array = llvm::dyn_cast_or_null<mlir::ArrayAttr>(attr);
  if (!array)
    return std::nullopt;
  abi::StepLayout layout;
  for (mlir::Attribute segment : array) {
    auto pair = llvm::dyn_cast<mlir::ArrayAttr>(segment);
    if (!pair || pair.size() != 2)
      return std::nullopt;
    auto name = llvm::dyn_cast<mlir::StringAttr>(pair[0]);
    auto count = llvm::dyn_cast<mlir::IntegerAttr>(pair[1]);
    if (!name || !count)
      return std::nullopt;
    std::optional<abi::ArgRole> role = roleNamed(name.getValue());
    if (!role || !addSegment(layout, *role, count.getInt()))
      return std::nullopt;
  }
  return layout;
}

std::string stepLayoutToString(const abi::StepLayout &layout) {
  std::string text;
  for (const abi::StepLayout::Segment &s : layout.segments) {
    if (!text.empty())
      text += ' ';
    text += abi::roleName(s.role);
    text += '=';
    text += std::to_string(s.count);
  }
  return text;
}

std::optional<abi::StepLayout> stepLayoutFromString(llvm::StringRef text) {
  abi::StepLayout layout;
  llvm::SmallVector<llvm::StringRef> words;
  text.split(words, ' ', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef word : words) {
    auto [name, number] = word.split('=');
    std::optional<abi::ArgRole> role = roleNamed(name);
    int64_t count;
    if (!role || number.getAsInteger(10, count) ||
        !addSegment(layout, *role, count))
      return std::nullopt;
  }
  return layout;
}

} // namespace kiln
