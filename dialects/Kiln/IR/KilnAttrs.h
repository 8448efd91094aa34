//===- KilnAttrs.h - Attributes of the kiln dialect -------------*- C++ -*-===//
#ifndef KILN_DIALECT_KILN_IR_KILNATTRS_H
#define KILN_DIALECT_KILN_IR_KILNATTRS_H

#include "dialects/Kiln/IR/KilnDialect.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#define GET_ATTRDEF_CLASSES
#include "dialects/Kiln/IR/KilnAttrs.h.inc"

#endif // KILN_DIALECT_KILN_IR_KILNATTRS_H
