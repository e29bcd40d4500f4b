// The router's choices, apart from the attempts that act on them (attempts.cpp): the order in
// which a call tries the deployments of its model and then of the model's fallbacks, and which
// key of a provider's pool an attempt carries. Internal to the gateway (its steps and tests).
//
// Order within one model, by its `routing`: "weighted" draws the deployments one after another
// at random in proportion to their weights (weight 0 last); "least_busy" by calls in flight on
// this instance, fewest first; "lowest_latency" by the moving average of time to first token,
// fastest first (one never measured first, so that it gets measured). Ties keep the configured
// order. Breakers are not consulted here: an attempt asks the health board just before it goes.
// A fallback that cannot serve the request (tools asked of a model without them) is left out.
// Threading: pure but for the thread's random generator and the deployments' atomic counters.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gateway/call.hpp"

namespace glmgate {

// The plan of `call` (its model validated): call.route.plan, in the order to try.
void plan_route(Call& call);

// The deployments of `model` in the order to try them.
std::vector<const Deployment*> order_deployments(const Catalog& catalog, const ModelConfig& model);

// A key of `provider`'s pool of `keys` for the next attempt, starting from a rotating position
// and passing keys the board does not admit (set aside or failing); none when it admits none.
// Its board name goes to `name` (empty for a provider of one key, whose health is its
// deployments').
std::optional<std::size_t> pick_key(HealthBoard& board, const std::string& provider,
                                    std::size_t keys, std::string& name);

// This thread's generator for the router's draws and the attempts' jitter (not for secrets).
std::minstd_rand& route_random();

// The board name of key `key` of `provider`.
std::string key_name(const std::string& provider, std::size_t key);

}  // namespace glmgate
