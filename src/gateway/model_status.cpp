// ModelStatus; see model_status.hpp.
#include "gateway/model_status.hpp"

#include <boost/json/array.hpp>

namespace glmgate {

namespace json = boost::json;

namespace {

std::string_view state_name(BreakerState s) {
  switch (s) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::half_open:
      return "half_open";
    default:
      return "open";
  }
}

}  // namespace

ModelStatus::ModelStatus(const Catalog& catalog, const HealthBoard& board,
                         std::chrono::milliseconds period)
    : catalog_(catalog), board_(board), period_(period) {}

ModelStatus::~ModelStatus() {
  stop();
}

void ModelStatus::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
      lock.unlock();
      sample();
      lock.lock();
    }
  });
}

void ModelStatus::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ModelStatus::State ModelStatus::state_of(const ModelConfig& model) const {
  std::size_t open = 0, all = 0;
  for (const auto& d : catalog_.deployments(model)) {
    ++all;
    if (board_.state(d->name) != BreakerState::closed) ++open;
  }
  if (open == 0) return State::operational;
  return open == all ? State::down : State::degraded;
}

void ModelStatus::sample() {
  const std::size_t day =
      static_cast<std::size_t>(86'400'000 / std::max<std::int64_t>(1, period_.count()));
  std::vector<std::pair<std::string, bool>> now;
  for (const auto& m : catalog_.config().models)
    now.emplace_back(m.id, state_of(m) == State::down);
  std::lock_guard lock(mutex_);
  for (auto& [id, down] : now) {
    auto& samples = down_[id];
    samples.push_back(down);
    while (samples.size() > day)
      samples.pop_front();
  }
}

double ModelStatus::uptime(const std::string& model, std::size_t samples) const {
  auto it = down_.find(model);
  if (it == down_.end() || it->second.empty()) return 1.0;
  const auto& all = it->second;
  const std::size_t n = std::min(samples, all.size());
  std::size_t up = 0;
  for (std::size_t i = all.size() - n; i < all.size(); ++i)
    if (!all[i]) ++up;
  return static_cast<double>(up) / static_cast<double>(n);
}

json::object ModelStatus::snapshot() const {
  const auto per = [this](std::int64_t ms) {
    return static_cast<std::size_t>(
        std::max<std::int64_t>(1, ms / std::max<std::int64_t>(1, period_.count())));
  };
  json::array models;
  State worst = State::operational;
  static constexpr std::string_view kNames[] = {"operational", "degraded", "down"};
  for (const auto& m : catalog_.config().models) {
    const State s = state_of(m);
    worst = std::max(worst, s);
    double hour, day;
    {
      std::lock_guard lock(mutex_);
      hour = uptime(m.id, per(3'600'000));
      day = uptime(m.id, per(86'400'000));
    }
    models.push_back(json::object{{"id", m.id},
                                  {"status", kNames[static_cast<int>(s)]},
                                  {"uptime_1h", hour},
                                  {"uptime_24h", day}});
  }
  return json::object{{"status", kNames[static_cast<int>(worst)]}, {"models", std::move(models)}};
}

json::object ModelStatus::detail() const {
  json::object out = snapshot();
  std::unordered_map<std::string, HealthFigures> seen;
  for (auto& f : board_.figures())
    seen.emplace(f.name, std::move(f));
  auto figures_json = [](const std::string& name, const HealthFigures* f) {
    json::object o{{"name", name}, {"state", "closed"}};
    if (!f) return o;
    o["state"] = state_name(f->state);
    o["calls"] = f->calls;
    o["faults"] = f->faults;
    o["error_ratio"] =
        f->calls > 0 ? static_cast<double>(f->faults) / static_cast<double>(f->calls) : 0.0;
    if (f->retry_at_ms) o["retry_at"] = f->retry_at_ms / 1000;
    if (!f->last_error.empty()) o["last_error"] = f->last_error;
    o["p50_latency_ms"] = static_cast<double>(f->p50_latency_us) / 1000.0;
    o["p50_time_to_first_token_ms"] = static_cast<double>(f->p50_first_token_us) / 1000.0;
    return o;
  };
  auto& models = out["models"].as_array();
  for (std::size_t i = 0; i < models.size(); ++i) {
    const ModelConfig* m = catalog_.find(std::string(models[i].as_object().at("id").as_string()));
    json::array deployments;
    for (const auto& d : catalog_.deployments(*m)) {
      auto it = seen.find(d->name);
      json::object o = figures_json(d->name, it == seen.end() ? nullptr : &it->second);
      o["provider"] = d->model.provider;
      o["upstream_model"] = d->model.upstream_model;
      o["weight"] = d->weight;
      o["in_flight"] = d->in_flight.load();
      deployments.push_back(std::move(o));
    }
    models[i].as_object()["deployments"] = std::move(deployments);
  }
  json::array keys;
  for (const auto& [name, f] : seen)
    if (name.find("#key") != std::string::npos) keys.push_back(figures_json(name, &f));
  out["keys"] = std::move(keys);
  return out;
}

}  // namespace glmgate
