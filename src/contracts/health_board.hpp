// HealthBoard: what the gateway knows of the health of each deployment (one provider serving one
// upstream model for a public model) and of each key of a provider's key pool, for routing. Both
// are named by the router: a deployment as `<model>@<provider>` (with `#<n>` when a model lists
// one provider twice), a pool key as `<provider>#key<n>`.
//
// The router asks admit() before each upstream attempt (a name whose breaker is open is skipped;
// a half-open one lets a probe through) and record()s every attempt's outcome once it is known;
// set_aside() keeps a name out of rotation for a while (a pool key the upstream refused, a
// deployment that asked for a pause with Retry-After). state() and figures() are for /status and
// the admin API.
// Threading: called from I/O threads and the task runner on every call; nothing blocks or waits.
// A shared implementation (Redis) answers from a local copy it keeps current and publishes
// record()s in the background.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glmgate {

enum class BreakerState : unsigned char { closed, half_open, open };

// One upstream attempt as the board counts it.
struct CallOutcome {
  int status = 0;  // the status the attempt ended with (499: the client left)
  bool upstream_fault =
      false;  // the upstream failed (5xx, 429, a timeout, a reset), not the client
  std::chrono::microseconds latency{0};
  std::chrono::microseconds first_token{0};  // 0: none came
};

// One name's figures, for /status and the admin API.
struct HealthFigures {
  std::string name;
  BreakerState state = BreakerState::closed;
  std::int64_t calls = 0;        // in the breaker's window
  std::int64_t faults = 0;       // of them
  std::int64_t retry_at_ms = 0;  // unix ms when an open breaker lets probes through; 0: closed
  std::string last_error;        // the last fault's message (never a key)
  std::int64_t p50_latency_us = 0;
  std::int64_t p50_first_token_us = 0;
};

class HealthBoard {
 public:
  virtual ~HealthBoard() = default;
  virtual BreakerState state(std::string_view name) const = 0;
  // Whether an attempt may go to `name` now; while half-open it takes one probe, which the
  // attempt's record() gives back.
  virtual bool admit(std::string_view name) { return state(name) != BreakerState::open; }
  virtual void record(std::string_view name, const CallOutcome& outcome) = 0;
  // The message of the last fault recorded for `name` (never a key): for figures().
  virtual void note_error(std::string_view, const std::string&) {}
  // Nothing goes to `name` for `wait`; then probes, as after a breaker's cooldown.
  virtual void set_aside(std::string_view, std::chrono::milliseconds) {}
  // `name` answers again (an active health check said so): closed at once, with a fresh window.
  virtual void restore(std::string_view) {}
  // Names to follow before this instance calls them (every deployment and pool key at start): a
  // shared board learns their state from the other instances.
  virtual void watch(const std::vector<std::string>&) {}
  // Every name the board has seen, with its figures.
  virtual std::vector<HealthFigures> figures() const { return {}; }
};

}  // namespace glmgate
