// DOT text to pictures with Graphviz's libraries (libgvc, libcgraph): the
// dot layout, then the renderer plugin for the format (cairo for png and
// pdf, the core one for svg), all in memory.
#include "frontend/Plot.h"

#include "runtime/Error.h"

#include <gvc.h>

#include <memory>
#include <mutex>

namespace kiln::utils {
namespace {

/// Graphviz keeps global state (its error handler, the plugin lists):
/// one picture at a time.
std::mutex graphvizLock;
std::string lastError;

int collectError(char *message) {
  lastError += message;
  return 0;
}

} // namespace

std::string render_dot(const std::string &dot, const std::string &format) {
  std::lock_guard<std::mutex> lock(graphvizLock);
  lastError.clear();
  agseterrf(collectError);
  agseterr(AGERR);
  // One context for the process: Graphviz's text-size cache outlives a
  // context (a second context reads a font name the first one freed).
  static GVC_t *context = gvContext();
  if (!context)
    throwError("Graphviz could not start");
  std::unique_ptr<Agraph_t, int (*)(Agraph_t *)> graph(agmemread(dot.c_str()), agclose);
  if (!graph)
    throwError("Graphviz could not read the DOT text: ", lastError);
  if (gvLayout(context, graph.get(), "dot") != 0)
    throwError("Graphviz's dot layout failed: ", lastError);
  char *data = nullptr;
  unsigned int length = 0;
  int status = gvRenderData(context, graph.get(), format.c_str(), &data, &length);
  std::string bytes = status == 0 && data ? std::string(data, length) : std::string();
  if (data)
    gvFreeRenderData(data);
  gvFreeLayout(context, graph.get());
  if (status != 0 || bytes.empty())
    throwError("Graphviz cannot write the format '", format,
               "' (png, svg, pdf, jpeg, gif and dot are known)",
               lastError.empty() ? "" : ": " + lastError);
  return bytes;
}

} // namespace kiln::utils
