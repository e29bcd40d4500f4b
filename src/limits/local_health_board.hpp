// LocalHealthBoard: the in-process HealthBoard: a Breaker (limits/breaker.hpp) per name, made on
// the name's first use, with the last fault's message and the latencies of its last calls for
// figures(). Counts this process's calls only; instances sharing Redis share theirs through the
// Redis board when there is one.
// Threading: any thread. The map is under a shared mutex (exclusive only to add a name); each
// breaker has its own small mutex, and so do the figures beside it.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "contracts/health_board.hpp"
#include "core/string_hash.hpp"
#include "limits/breaker.hpp"

namespace glmgate {

class LocalHealthBoard final : public HealthBoard {
 public:
  using Clock = std::function<std::int64_t()>;  // ms, steady; empty: the steady clock
  explicit LocalHealthBoard(BreakerOptions options = {}, Clock clock = {});
  ~LocalHealthBoard() override;

  BreakerState state(std::string_view name) const override;
  bool admit(std::string_view name) override;
  void record(std::string_view name, const CallOutcome& outcome) override;
  void note_error(std::string_view name, const std::string& message) override;
  void set_aside(std::string_view name, std::chrono::milliseconds wait) override;
  void restore(std::string_view name) override;
  std::vector<HealthFigures> figures() const override;
  // One name's figures (a name never seen: closed, no calls).
  HealthFigures figures(std::string_view name) const;

 private:
  struct Entry;
  Entry* find(std::string_view name) const;
  Entry& entry(std::string_view name);
  std::int64_t now_ms() const;
  static HealthFigures figures_of(std::string_view name, const Entry& e, std::int64_t now,
                                  std::int64_t unix_now);

  BreakerOptions options_;
  Clock clock_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Entry>, StringHash, std::equal_to<>> entries_;
};

}  // namespace glmgate
