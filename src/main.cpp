// glmgate entry point: tunes the allocator, then hands the command line to the CLI, which wires
// everything else.
#include "cli/commands.hpp"

#ifdef GLMGATE_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif

int main(int argc, char** argv) {
#ifdef GLMGATE_TCMALLOC
  // Thread caches trade memory for speed; with tens of thousands of idle streams memory matters
  // more, so keep them small and hand freed pages back to the system sooner.
  MallocExtension::instance()->SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", 8 << 20);
  MallocExtension::instance()->SetMemoryReleaseRate(5.0);
#endif
  return glmgate::cli::run(argc, argv);
}
