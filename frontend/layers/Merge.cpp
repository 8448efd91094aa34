// Keras Add and Concatenate: layers that merge several inputs.
#include "frontend/Emitter.h"
#include "frontend/Layers.h"
#include "frontend/saving/LayerConfig.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "runtime/Error.h"

namespace kiln::layers {
namespace {

class AddImpl : public LayerImpl {
public:
  explicit AddImpl(std::string name) : LayerImpl("Add", "add", std::move(name)) {}
  size_t minInputs() const override { return 2; }
  size_t maxInputs() const override { return SIZE_MAX; }

  Shape outputShape(const std::vector<Shape> &in) const override {
    for (const Shape &s : in)
      if (s != in.front())
        throwError(where(), "all inputs must have the same shape, got ",
                   shapeToString(in.front()), " and ", shapeToString(s));
    return in.front();
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    mlir::Value sum = Emitter::value(in.front());
    for (size_t i = 1; i < in.size(); ++i)
      sum = AddOp::create(e.b, e.loc, sum, Emitter::value(in[i]));
    return Emitter::sym(sum);
  }
  void getConfig(saving::LayerConfig &) const override {}
};

class ConcatenateImpl : public LayerImpl {
public:
  ConcatenateImpl(int64_t axis, std::string name)
      : LayerImpl("Concatenate", "concatenate", std::move(name)), axis(axis) {}
  size_t minInputs() const override { return 2; }
  size_t maxInputs() const override { return SIZE_MAX; }

  int64_t normalized(size_t rank) const {
    int64_t a = axis < 0 ? axis + int64_t(rank) : axis;
    if (a <= 0 || a >= int64_t(rank))
      throwError(where(), "axis ", axis, " is out of range for rank ", rank,
                 " inputs (the batch axis cannot be concatenated)");
    return a;
  }

  Shape outputShape(const std::vector<Shape> &in) const override {
    size_t rank = in.front().size();
    int64_t a = normalized(rank);
    Shape out = in.front();
    out[a] = 0;
    for (const Shape &s : in) {
      bool ok = s.size() == rank;
      for (size_t i = 0; ok && i < rank; ++i)
        ok = int64_t(i) == a || s[i] == in.front()[i];
      if (!ok)
        throwError(where(), "inputs must match except along axis ", axis,
                   ", got ", shapeToString(in.front()), " and ", shapeToString(s));
      out[a] += s[a];
    }
    return out;
  }

  Sym emit(Emitter &e, const std::vector<Sym> &in,
           const std::vector<Sym> &) const override {
    llvm::SmallVector<mlir::Value> values;
    for (Sym s : in)
      values.push_back(Emitter::value(s));
    int64_t a = normalized(in.size() ? Emitter::shapeOf(in.front()).size() : 0);
    return Emitter::sym(ConcatenateOp::create(e.b, e.loc, values, a));
  }
  void getConfig(saving::LayerConfig &c) const override { c.set("axis", axis); }

private:
  int64_t axis;
};

} // namespace

Add::Add(std::string name) : Layer(std::make_shared<AddImpl>(std::move(name))) {}

Concatenate::Concatenate(int64_t axis, std::string name)
    : Layer(std::make_shared<ConcatenateImpl>(axis, std::move(name))) {}

Layer addFromConfig(saving::LayerConfig &c) { return Add(c.name()); }

Layer concatenateFromConfig(saving::LayerConfig &c) {
  return Concatenate(c.integer("axis", -1), c.name());
}

} // namespace kiln::layers
