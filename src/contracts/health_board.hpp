// HealthBoard: what the gateway knows of each deployment's health, for routing. A deployment is
// one provider serving one upstream model; until a model can have several (deployments and
// fallbacks come with routing), each configured model is its own one deployment, named by the
// model's public ID.
//
// The pipeline asks state() when it routes a call (an `open` deployment is not sent to: the
// call is answered 503 and charged nothing) and record()s every upstream call's outcome once the
// call ends. A breaker implementation turns those outcomes into its state: `closed` sends,
// `open` refuses for a while, `half_open` lets probes through to find out whether the
// deployment has recovered.
// Threading: both called from I/O threads and the task runner on every call; neither blocks nor
// waits. A shared implementation (Redis) answers state() from a local copy it keeps current and
// publishes record()s in the background.
#pragma once

#include <chrono>
#include <string_view>

namespace glmgate {

enum class BreakerState : unsigned char { closed, half_open, open };

// One upstream call as the board counts it.
struct CallOutcome {
  int status = 0;               // the status the call ended with (499: the client left)
  bool upstream_fault = false;  // the upstream failed (5xx, a timeout, a reset), not the client
  std::chrono::microseconds latency{0};
};

class HealthBoard {
 public:
  virtual ~HealthBoard() = default;
  virtual BreakerState state(std::string_view deployment) const = 0;
  virtual void record(std::string_view deployment, const CallOutcome& outcome) = 0;
};

}  // namespace glmgate
