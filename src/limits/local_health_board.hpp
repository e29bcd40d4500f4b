// LocalHealthBoard: the in-process HealthBoard while routing is not there yet: every deployment
// is closed (always sent to) and outcomes are not kept. Stateless, so safe from any thread.
#pragma once

#include "contracts/health_board.hpp"

namespace glmgate {

class LocalHealthBoard final : public HealthBoard {
 public:
  BreakerState state(std::string_view) const override { return BreakerState::closed; }
  void record(std::string_view, const CallOutcome&) override {}
};

}  // namespace glmgate
