// The router's choices; see router.hpp.
#include "gateway/router.hpp"

#include <algorithm>
#include <random>

namespace glmgate {

std::minstd_rand& route_random() {
  thread_local std::minstd_rand g(std::random_device{}());
  return g;
}

namespace {

bool wants_tools(const Call& call) {
  auto it = call.request.body.find("tools");
  return it != call.request.body.end() && it->value().is_array() &&
         !it->value().get_array().empty();
}

}  // namespace

std::vector<const Deployment*> order_deployments(const Catalog& catalog, const ModelConfig& model) {
  auto all = catalog.deployments(model);
  std::vector<const Deployment*> out;
  out.reserve(all.size());
  for (const auto& d : all)
    out.push_back(d.get());
  if (out.size() < 2) return out;
  if (model.routing == "least_busy") {
    std::stable_sort(out.begin(), out.end(), [](const Deployment* a, const Deployment* b) {
      return a->in_flight.load(std::memory_order_relaxed) <
             b->in_flight.load(std::memory_order_relaxed);
    });
  } else if (model.routing == "lowest_latency") {
    std::stable_sort(out.begin(), out.end(), [](const Deployment* a, const Deployment* b) {
      return a->first_token_us.load(std::memory_order_relaxed) <
             b->first_token_us.load(std::memory_order_relaxed);
    });
  } else {
    // Weighted draws without replacement: each place goes to one of the rest in proportion to
    // its weight.
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
      std::int64_t total = 0;
      for (std::size_t j = i; j < out.size(); ++j)
        total += out[j]->weight;
      if (total <= 0) break;  // only weight 0 left: configured order
      std::int64_t pick = std::uniform_int_distribution<std::int64_t>(0, total - 1)(route_random());
      std::size_t chosen = i;
      for (std::size_t j = i; j < out.size(); ++j) {
        if (pick < out[j]->weight) {
          chosen = j;
          break;
        }
        pick -= out[j]->weight;
      }
      std::rotate(out.begin() + static_cast<std::ptrdiff_t>(i),
                  out.begin() + static_cast<std::ptrdiff_t>(chosen),
                  out.begin() + static_cast<std::ptrdiff_t>(chosen) + 1);
    }
  }
  return out;
}

void plan_route(Call& call) {
  auto& plan = call.route.plan;
  plan.clear();
  const Catalog& catalog = call.parts.catalog;
  for (const Deployment* d : order_deployments(catalog, *call.model))
    plan.push_back({call.model, d});
  const bool tools = wants_tools(call);
  for (const auto& id : call.model->fallbacks) {
    const ModelConfig* fallback = catalog.find(id);
    if (!fallback || (tools && !fallback->tools)) continue;
    for (const Deployment* d : order_deployments(catalog, *fallback))
      plan.push_back({fallback, d});
  }
}

std::string key_name(const std::string& provider, std::size_t key) {
  return provider + "#key" + std::to_string(key);
}

std::optional<std::size_t> pick_key(HealthBoard& board, const std::string& provider,
                                    std::size_t keys, std::string& name) {
  name.clear();
  if (keys < 2) return 0;
  thread_local std::size_t turn = 0;
  const std::size_t start = turn++ % keys;
  for (std::size_t i = 0; i < keys; ++i) {
    const std::size_t k = (start + i) % keys;
    std::string n = key_name(provider, k);
    if (board.admit(n)) {
      name = std::move(n);
      return k;
    }
  }
  return std::nullopt;
}

}  // namespace glmgate
