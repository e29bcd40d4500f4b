// Metrics registry; see registry.hpp.
#include "metrics/registry.hpp"

#include <cmath>
#include <cstdio>

namespace glmgate::metrics {

namespace {

// A label value as the text format escapes it: backslash, double quote and newline.
void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_number(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buf[32];
  // Integers as integers (counts), the rest with enough digits to read back.
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.9g", v);
  out += buf;
}

// `{a="x",b="y"}` with `extra` (le="...") last; empty values are left out, as absent labels.
void append_labels(std::string& out, const std::vector<std::string>& names, const Labels& values,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  bool any = false;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (values[i].empty()) continue;
    out += any ? ',' : '{';
    any = true;
    out += names[i];
    out += "=\"";
    append_escaped(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    out += any ? ',' : '{';
    any = true;
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  if (any) out += '}';
}

void append_header(std::string& out, const std::string& name, const std::string& help,
                   std::string_view type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " ";
  out += type;
  out += '\n';
}

}  // namespace

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Counter::add(const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  series_[labels] += value;
}

void Counter::render(std::string& out) const {
  std::map<Labels, double> copy;
  {
    std::lock_guard lock(mutex_);
    copy = series_;
  }
  append_header(out, name_, help_, "counter");
  for (const auto& [labels, value] : copy) {
    out += name_;
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, value);
    out += '\n';
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

void Histogram::observe(const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  Series& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (std::size_t i = 0; i < bounds_.size(); ++i)
    if (value <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  ++s.count;
  s.sum += value;
}

void Histogram::render(std::string& out) const {
  std::map<Labels, Series> copy;
  {
    std::lock_guard lock(mutex_);
    copy = series_;
  }
  append_header(out, name_, help_, "histogram");
  for (const auto& [labels, s] : copy) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      std::string le;
      append_number(le, bounds_[i]);
      out += name_ + "_bucket";
      append_labels(out, label_names_, labels, "le", le);
      out += ' ';
      append_number(out, static_cast<double>(cumulative));
      out += '\n';
    }
    out += name_ + "_bucket";
    append_labels(out, label_names_, labels, "le", "+Inf");
    out += ' ';
    append_number(out, static_cast<double>(s.count));
    out += '\n' + name_ + "_sum";
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, s.sum);
    out += '\n' + name_ + "_count";
    append_labels(out, label_names_, labels);
    out += ' ';
    append_number(out, static_cast<double>(s.count));
    out += '\n';
  }
}

Counter& Registry::counter(std::string name, std::string help,
                           std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  counters_.push_back(
      std::make_unique<Counter>(std::move(name), std::move(help), std::move(label_names)));
  Counter* c = counters_.back().get();
  order_.push_back([c](std::string& out) { c->render(out); });
  return *c;
}

Histogram& Registry::histogram(std::string name, std::string help,
                               std::vector<std::string> label_names, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  histograms_.push_back(std::make_unique<Histogram>(std::move(name), std::move(help),
                                                    std::move(label_names), std::move(bounds)));
  Histogram* h = histograms_.back().get();
  order_.push_back([h](std::string& out) { h->render(out); });
  return *h;
}

void Registry::gauge(Gauge gauge) {
  std::lock_guard lock(mutex_);
  auto g = std::make_shared<Gauge>(std::move(gauge));
  order_.push_back([g](std::string& out) {
    append_header(out, g->name, g->help, "gauge");
    for (const auto& [labels, value] : g->read()) {
      out += g->name;
      append_labels(out, g->label_names, labels);
      out += ' ';
      append_number(out, value);
      out += '\n';
    }
  });
}

void Registry::gauge(std::string name, std::string help, std::function<double()> read) {
  gauge(Gauge{std::move(name), std::move(help), {}, [read = std::move(read)] {
                return std::vector<std::pair<Labels, double>>{{Labels{}, read()}};
              }});
}

std::string Registry::render() const {
  std::vector<std::function<void(std::string&)>> order;
  {
    std::lock_guard lock(mutex_);
    order = order_;
  }
  std::string out;
  for (const auto& f : order)
    f(out);
  return out;
}

}  // namespace glmgate::metrics
