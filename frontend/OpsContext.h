// Makes an Emitter current for kiln::ops while custom metrics are emitted
// (frontend-internal).
#ifndef KILN_FRONTEND_OPSCONTEXT_H
#define KILN_FRONTEND_OPSCONTEXT_H

namespace kiln {

class Emitter;

class OpsScope {
public:
  explicit OpsScope(Emitter &e);
  ~OpsScope();
  OpsScope(const OpsScope &) = delete;
  OpsScope &operator=(const OpsScope &) = delete;

private:
  Emitter *previous;
};

} // namespace kiln

#endif // KILN_FRONTEND_OPSCONTEXT_H
