// keras.preprocessing.image.ImageDataGenerator for Python: Kiln's C++
// generator and its flow() iterator, which fit consumes directly.
#include "Arrays.h"
#include "Bindings.h"

#include "frontend/ImageDataGenerator.h"

#include <pybind11/functional.h>
#include <pybind11/stl.h>

namespace kiln::python {

namespace {

using preprocessing::ImageDataGenerator;
using preprocessing::ImageDataGeneratorOptions;
using preprocessing::NumpyArrayIterator;

/// A Python preprocessing_function, called with the GIL on whichever thread
/// makes the batch.
std::function<Tensor(const Tensor &)> pythonFunction(py::object fn) {
  if (fn.is_none())
    return nullptr;
  std::shared_ptr<py::object> held = holdPython(std::move(fn));
  return [held](const Tensor &image) {
    py::gil_scoped_acquire gil;
    return toTensor((*held)(toArray(image)), "preprocessing_function's result");
  };
}

py::tuple pair(const std::pair<Tensor, Tensor> &b) {
  if (b.second.size() == 0 && b.second.rank() == 1)
    return py::make_tuple(toArray(b.first), py::none());
  return py::make_tuple(toArray(b.first), toArray(b.second));
}

} // namespace

void bindImages(py::module_ &m) {
  py::class_<NumpyArrayIterator>(m, "NumpyArrayIterator")
      .def("__len__", &NumpyArrayIterator::size)
      .def_property_readonly("n", &NumpyArrayIterator::samples)
      .def_property_readonly("batch_size", &NumpyArrayIterator::batch_size)
      .def("next", [](NumpyArrayIterator &it) {
        std::pair<Tensor, Tensor> b;
        {
          py::gil_scoped_release release;
          b = it.next();
        }
        return pair(b);
      })
      .def("batch", [](const NumpyArrayIterator &it, int64_t i) {
        std::pair<Tensor, Tensor> b;
        {
          py::gil_scoped_release release;
          b = it.batch(i);
        }
        return pair(b);
      })
      .def("on_epoch_end", &NumpyArrayIterator::on_epoch_end);

  py::class_<ImageDataGenerator, std::shared_ptr<ImageDataGenerator>>(m, "ImageDataGenerator")
      .def(py::init([](py::dict k) {
        ImageDataGeneratorOptions o;
        o.featurewise_center = k["featurewise_center"].cast<bool>();
        o.samplewise_center = k["samplewise_center"].cast<bool>();
        o.featurewise_std_normalization = k["featurewise_std_normalization"].cast<bool>();
        o.samplewise_std_normalization = k["samplewise_std_normalization"].cast<bool>();
        o.rotation_range = k["rotation_range"].cast<double>();
        o.width_shift_range = k["width_shift_range"].cast<double>();
        o.height_shift_range = k["height_shift_range"].cast<double>();
        o.shear_range = k["shear_range"].cast<double>();
        auto zoom = k["zoom_range"].cast<std::vector<double>>();
        o.zoom_range = zoom.size() == 1 ? preprocessing::ZoomRange(zoom[0])
                                        : preprocessing::ZoomRange(zoom.at(0), zoom.at(1));
        o.channel_shift_range = k["channel_shift_range"].cast<double>();
        o.fill_mode = k["fill_mode"].cast<std::string>();
        o.cval = k["cval"].cast<double>();
        o.horizontal_flip = k["horizontal_flip"].cast<bool>();
        o.vertical_flip = k["vertical_flip"].cast<bool>();
        o.rescale = k["rescale"].cast<double>();
        o.preprocessing_function =
            pythonFunction(py::reinterpret_borrow<py::object>(k["preprocessing_function"]));
        o.validation_split = k["validation_split"].cast<double>();
        o.interpolation_order = k["interpolation_order"].cast<int>();
        return std::make_shared<ImageDataGenerator>(std::move(o));
      }))
      .def("fit",
           [](ImageDataGenerator &g, py::object x, bool augment, int rounds,
              std::optional<uint64_t> seed) {
             Tensor t = toTensor(x, "x");
             py::gil_scoped_release release;
             g.fit(t, augment, rounds, seed);
           })
      .def_property_readonly("mean", [](const ImageDataGenerator &g) {
        return g.mean().size() ? py::object(toArray(g.mean())) : py::object(py::none());
      })
      .def_property_readonly("std", [](const ImageDataGenerator &g) {
        return g.stddev().size() ? py::object(toArray(g.stddev())) : py::object(py::none());
      })
      .def("flow",
           [](const ImageDataGenerator &g, py::object x, py::object y, int64_t batchSize,
              bool shuffle, std::optional<uint64_t> seed, std::string subset) {
             Tensor tx = toTensor(x, "x");
             Tensor ty = y.is_none() ? Tensor() : toTensor(y, "y");
             return g.flow(tx, ty, {.batch_size = batchSize, .shuffle = shuffle,
                                    .seed = seed, .subset = std::move(subset)});
           })
      .def("random_transform",
           [](const ImageDataGenerator &g, py::object x, uint64_t seed) {
             return toArray(g.random_transform(toTensor(x, "x"), seed));
           })
      .def("standardize", [](const ImageDataGenerator &g, py::object x) {
        return toArray(g.standardize(toTensor(x, "x").clone()));
      });
}

} // namespace kiln::python
