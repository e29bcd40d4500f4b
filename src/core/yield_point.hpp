// Cooperative yield points for a background thread whose long runs of CPU work share the cores
// with the request path: the usage writer committing a large batch. Idle CPU priority alone does
// not keep it off a request's core: since Linux 6.6 (EEVDF) a SCHED_IDLE thread may still be picked
// while a request thread waits to run again, and then keeps the core until the next tick (4 ms at
// HZ=250; seen as 2-4 ms stalls of a one-connection load during each commit). So a background
// thread calls enable_yield_points(slice) once, and its long loops call yield_point(), which gives
// the core away (sched_yield) whenever `slice` has passed since it last did: a waiting request
// thread then waits one slice at most.
//
// Threading: the state is per thread. On a thread that did not enable it (request threads, the
// CLI, a flush() from another thread), yield_point() is one thread-local test.
#pragma once

#include <chrono>
#include <cstdint>

namespace glmgate {

void enable_yield_points(std::chrono::microseconds slice);
void yield_point();
// How many times this thread gave the core away at a yield point (diagnostics, tests).
std::uint64_t yields_on_this_thread();

}  // namespace glmgate
