// glmgate entry point: tunes the allocator, then hands the command line to the CLI, which wires
// everything else.
#include "cli/commands.hpp"

#ifdef GLMGATE_TCMALLOC
#include <gperftools/malloc_extension.h>
#include <pthread.h>

#include <chrono>
#include <string_view>
#include <thread>

namespace {

// tcmalloc hands freed pages back to the system only as later frees happen (its release rate):
// after a burst of large answers (an upstream flooding up to max_output_bytes) a quiet server
// would keep tens of MiB it no longer uses. Once a second, free pages beyond kKeep go back. Its
// own thread: the release walks the page heap, which no I/O thread should wait for.
void return_free_pages() {
  std::thread([] {
    pthread_setname_np(pthread_self(), "glmgate-memory");
    constexpr std::size_t kKeep = 16 << 20;  // reused by the next large answers, not released
    for (;;) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      std::size_t free = 0;
      auto* tcmalloc = MallocExtension::instance();
      if (tcmalloc->GetNumericProperty("tcmalloc.pageheap_free_bytes", &free) && free > kKeep)
        tcmalloc->ReleaseToSystem(free - kKeep);
    }
  }).detach();
}

}  // namespace
#endif

int main(int argc, char** argv) {
#ifdef GLMGATE_TCMALLOC
  // Thread caches trade memory for speed; with tens of thousands of idle streams memory matters
  // more, so keep them small and hand freed pages back to the system sooner.
  MallocExtension::instance()->SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", 8 << 20);
  MallocExtension::instance()->SetMemoryReleaseRate(5.0);
  if (argc > 1 && std::string_view(argv[1]) == "serve") return_free_pages();
#endif
  return glmgate::cli::run(argc, argv);
}
