// The LLVM-free training loop in one include: ModelState, fit / evaluate /
// predict, History, callbacks and Keras's progress bar.
#ifndef KILN_RUNTIME_TRAIN_TRAIN_H
#define KILN_RUNTIME_TRAIN_TRAIN_H

#include "runtime/train/Callbacks.h"
#include "runtime/train/Fit.h"
#include "runtime/train/Format.h"
#include "runtime/train/Logs.h"
#include "runtime/train/ModelState.h"
#include "runtime/train/Progbar.h"

#endif // KILN_RUNTIME_TRAIN_TRAIN_H
