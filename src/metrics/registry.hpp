// Metrics: counters, histograms and gauges with labels, rendered in the Prometheus text format
// (version 0.0.4) for GET /metrics. Families are made at start-up (counter(), histogram(),
// gauge()) and live as long as the registry; a series is made on its first use, so label values
// must stay few (no key or account labels unless the operator asks for them).
// Recording is a mutex-protected map lookup and an add, cheap enough for every call on an I/O
// thread; render() copies each family under its mutex and formats outside it. Callback gauges
// are read at render time, on the scraping thread: they must not block.
// Threading: any thread. Lifetime: families are owned by the registry; references to them stay
// valid while it lives.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace glmgate::metrics {

using Labels = std::vector<std::string>;  // values, in the order of the family's label names

class Counter {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);
  void add(const Labels& labels, double value = 1);
  void render(std::string& out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, double> series_;
};

class Histogram {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> bounds);
  void observe(const Labels& labels, double value);
  void render(std::string& out) const;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;  // per bound, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<Labels, Series> series_;
};

// A gauge read when rendered: its series (label values and value) from `read`.
struct Gauge {
  std::string name, help;
  std::vector<std::string> label_names;
  std::function<std::vector<std::pair<Labels, double>>()> read;
};

class Registry {
 public:
  Counter& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Histogram& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds);
  void gauge(Gauge gauge);
  // A gauge of one series without labels.
  void gauge(std::string name, std::string help, std::function<double()> read);
  // Every family, in the order made.
  std::string render() const;

 private:
  mutable std::mutex mutex_;  // the lists, at start-up and render
  std::vector<std::unique_ptr<Counter>> counters_;
  std::vector<std::unique_ptr<Histogram>> histograms_;
  std::vector<std::function<void(std::string&)>> order_;
};

// The text format's content type.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace glmgate::metrics
