// glmgate entry point: tunes the allocator, then hands the command line to the CLI, which wires
// everything else.
#include "cli/commands.hpp"

#ifdef GLMGATE_TCMALLOC
#include <gperftools/malloc_extension.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

namespace {

// Free pages go back to the system from this thread only, never from the threads that free
// them: tcmalloc's own release (its release rate) calls madvise while it holds the page heap's
// lock, on whichever thread freed memory — an I/O thread, or the usage writer after a commit —
// and every thread that needs a span meanwhile waits. Once a second, free pages beyond kKeep go
// back in steps of kStep with a pause between, so that the lock is never held for more than one
// step (a 30 MiB release in one call kept an I/O thread waiting for 1.8 ms). Without it a quiet
// server would keep what a burst of large answers (a flood up to max_output_bytes) left free.
void return_free_pages() {
  std::thread([] {
    pthread_setname_np(pthread_self(), "glmgate-memory");
    constexpr std::size_t kKeep = 16 << 20;  // reused by the next large answers, not released
    constexpr std::size_t kStep = 1 << 20;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      auto* tcmalloc = MallocExtension::instance();
      std::size_t free = 0;
      while (tcmalloc->GetNumericProperty("tcmalloc.pageheap_free_bytes", &free) && free > kKeep) {
        tcmalloc->ReleaseToSystem(std::min(kStep, free - kKeep));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }).detach();
}

}  // namespace
#endif

int main(int argc, char** argv) {
#ifdef GLMGATE_TCMALLOC
  // Thread caches trade memory for speed; with tens of thousands of idle streams memory matters
  // more, so keep them small.
  MallocExtension::instance()->SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", 8 << 20);
  if (argc > 1 && std::string_view(argv[1]) == "serve") {
    MallocExtension::instance()->SetMemoryReleaseRate(0);  // return_free_pages() releases instead
    return_free_pages();
  }
#endif
  return glmgate::cli::run(argc, argv);
}
