// LocalHealthBoard; see local_health_board.hpp.
#include "limits/local_health_board.hpp"

#include <algorithm>
#include <chrono>

#include "core/clock.hpp"

namespace glmgate {

namespace {

constexpr std::size_t kSamples = 64;  // the last calls' latencies, for a p50

std::int64_t median(std::array<std::int64_t, kSamples> samples, std::size_t n) {
  if (n == 0) return 0;
  n = std::min(n, kSamples);
  auto mid = samples.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(samples.begin(), mid, samples.begin() + static_cast<std::ptrdiff_t>(n));
  return *mid;
}

}  // namespace

struct LocalHealthBoard::Entry {
  explicit Entry(const BreakerOptions& o) : breaker(o) {}
  Breaker breaker;
  mutable std::mutex mutex;  // what follows
  std::string last_error;
  std::array<std::int64_t, kSamples> latency{};
  std::array<std::int64_t, kSamples> first_token{};
  std::size_t latencies = 0, first_tokens = 0;
};

LocalHealthBoard::LocalHealthBoard(BreakerOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

LocalHealthBoard::~LocalHealthBoard() = default;

std::int64_t LocalHealthBoard::now_ms() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

LocalHealthBoard::Entry* LocalHealthBoard::find(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.get();
}

LocalHealthBoard::Entry& LocalHealthBoard::entry(std::string_view name) {
  if (Entry* e = find(name)) return *e;
  std::unique_lock lock(mutex_);
  auto& slot = entries_[std::string(name)];
  if (!slot) slot = std::make_unique<Entry>(options_);
  return *slot;
}

BreakerState LocalHealthBoard::state(std::string_view name) const {
  Entry* e = find(name);
  return e ? e->breaker.state(now_ms()) : BreakerState::closed;
}

bool LocalHealthBoard::admit(std::string_view name) {
  return entry(name).breaker.admit(now_ms());
}

void LocalHealthBoard::record(std::string_view name, const CallOutcome& outcome) {
  Entry& e = entry(name);
  e.breaker.record(outcome.upstream_fault, now_ms());
  if (outcome.upstream_fault) return;
  std::lock_guard lock(e.mutex);
  e.latency[e.latencies++ % kSamples] = outcome.latency.count();
  if (outcome.first_token.count() > 0)
    e.first_token[e.first_tokens++ % kSamples] = outcome.first_token.count();
}

void LocalHealthBoard::note_error(std::string_view name, const std::string& message) {
  Entry& e = entry(name);
  std::lock_guard lock(e.mutex);
  e.last_error = message.substr(0, 500);
}

void LocalHealthBoard::set_aside(std::string_view name, std::chrono::milliseconds wait) {
  const std::int64_t now = now_ms();
  entry(name).breaker.set_aside(now, now + wait.count());
}

HealthFigures LocalHealthBoard::figures_of(std::string_view name, const Entry& e, std::int64_t now,
                                           std::int64_t unix_now) {
  HealthFigures f;
  f.name = std::string(name);
  BreakerFigures b = e.breaker.figures(now);
  f.state = b.state;
  f.calls = b.calls;
  f.faults = b.faults;
  f.retry_at_ms = b.state == BreakerState::closed ? 0 : unix_now + (b.retry_at_ms - now);
  std::lock_guard entry_lock(e.mutex);
  f.last_error = e.last_error;
  f.p50_latency_us = median(e.latency, e.latencies);
  f.p50_first_token_us = median(e.first_token, e.first_tokens);
  return f;
}

HealthFigures LocalHealthBoard::figures(std::string_view name) const {
  Entry* e = find(name);
  if (!e) {
    HealthFigures f;
    f.name = std::string(name);
    return f;
  }
  return figures_of(name, *e, now_ms(), unix_ms_now());
}

void LocalHealthBoard::restore(std::string_view name) {
  if (Entry* e = find(name)) e->breaker.restore();
}

std::vector<HealthFigures> LocalHealthBoard::figures() const {
  const std::int64_t now = now_ms();
  const std::int64_t unix_now = unix_ms_now();
  std::vector<HealthFigures> out;
  std::shared_lock lock(mutex_);
  for (const auto& [name, e] : entries_)
    out.push_back(figures_of(name, *e, now, unix_now));
  std::sort(out.begin(), out.end(),
            [](const HealthFigures& a, const HealthFigures& b) { return a.name < b.name; });
  return out;
}

}  // namespace glmgate
