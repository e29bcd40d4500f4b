// PauseSwitch: the operator's switch that makes every public API call answer 503 while the admin
// API keeps working. Read on every request (a relaxed atomic load), written by the store sync
// when the setting changes.
#pragma once

#include <atomic>

namespace glmgate {

struct PauseSwitch {
  std::atomic<bool> paused{false};
};

}  // namespace glmgate
