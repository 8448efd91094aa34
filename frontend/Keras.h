// Kiln's Keras-style C++ API in one include:
//   #include "frontend/Keras.h"
//   using namespace kiln;
//   Sequential model;
//   model.add(layers::Dense(300, {.activation = "relu", .input_shape = {784}}));
//   model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy",
//                  .metrics = {"accuracy"}});
//   auto history = model.fit(x, y, {.epochs = 30});
#ifndef KILN_FRONTEND_KERAS_H
#define KILN_FRONTEND_KERAS_H

#include "frontend/Backend.h"
#include "frontend/Callbacks.h"
#include "frontend/Config.h"
#include "frontend/Device.h"
#include "frontend/Distribution.h"
#include "frontend/ImageDataGenerator.h"
#include "frontend/Initializers.h"
#include "frontend/Layer.h"
#include "frontend/Layers.h"
#include "frontend/Metrics.h"
#include "frontend/Model.h"
#include "frontend/Ops.h"
#include "frontend/Optimizers.h"
#include "frontend/Plot.h"
#include "frontend/RecurrentLayers.h"
#include "frontend/Saving.h"
#include "frontend/TensorOps.h"
#include "runtime/Tensor.h"
#include "runtime/data/Csv.h"
#include "runtime/data/Datasets.h"
#include "runtime/data/Idx.h"
#include "runtime/data/Npy.h"

#endif // KILN_FRONTEND_KERAS_H
