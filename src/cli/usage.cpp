// `glmgate usage`: usage records of the store as a table, CSV or JSON, one row per request or
// grouped by model and/or day.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "accounts/account_service.hpp"
#include "accounts/views.hpp"
#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"

namespace glmgate::cli {

namespace json = boost::json;

namespace {

std::string csv_field(std::string s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void print_rows(const std::vector<UsageRecord>& rows, const std::string& format) {
  if (format == "csv") {
    std::cout << "time,request_id,key_id,account_id,model,provider,surface,status,stream,"
                 "prompt_tokens,cached_tokens,completion_tokens,reasoning_tokens,estimated,free,"
                 "cost_usd,latency_ms,ttft_ms\n";
    for (const auto& u : rows)
      std::cout << iso_utc(u.created_at) << "," << csv_field(u.request_id) << "," << u.key_id << ","
                << u.account_id << "," << csv_field(u.model) << "," << u.provider << ","
                << u.surface << "," << u.status << "," << u.stream << "," << u.usage.prompt_tokens
                << "," << u.usage.cached_tokens << "," << u.usage.completion_tokens << ","
                << u.usage.reasoning_tokens << "," << u.usage.estimated << "," << u.free << ","
                << format_usd(u.cost) << "," << u.latency_us / 1000.0 << "," << u.ttft_us / 1000.0
                << "\n";
    return;
  }
  std::printf("%-20s %-24s %-14s %6s %9s %9s %9s %14s %9s\n", "TIME", "REQUEST", "MODEL", "STATUS",
              "PROMPT", "CACHED", "OUTPUT", "COST_USD", "LAT_MS");
  for (const auto& u : rows)
    std::printf("%-20s %-24.24s %-14.14s %6d %9lld %9lld %9lld %14s %9.1f%s\n",
                iso_utc(u.created_at).c_str(), u.request_id.c_str(), u.model.c_str(), u.status,
                static_cast<long long>(u.usage.prompt_tokens),
                static_cast<long long>(u.usage.cached_tokens),
                static_cast<long long>(u.usage.completion_tokens), format_usd(u.cost).c_str(),
                u.latency_us / 1000.0, u.usage.estimated ? " estimated" : (u.free ? " free" : ""));
}

void print_summary(const std::vector<UsageSummary>& rows, const std::string& format) {
  if (format == "csv") {
    std::cout << "day,model,requests,prompt_tokens,cached_tokens,completion_tokens,"
                 "reasoning_tokens,cost_usd\n";
    for (const auto& s : rows)
      std::cout << s.day << "," << csv_field(s.model) << "," << s.requests << ","
                << s.usage.prompt_tokens << "," << s.usage.cached_tokens << ","
                << s.usage.completion_tokens << "," << s.usage.reasoning_tokens << ","
                << format_usd(s.cost) << "\n";
    return;
  }
  std::printf("%-10s %-20s %9s %12s %12s %12s %16s\n", "DAY", "MODEL", "REQUESTS", "PROMPT",
              "CACHED", "OUTPUT", "COST_USD");
  for (const auto& s : rows)
    std::printf("%-10s %-20.20s %9lld %12lld %12lld %12lld %16s\n",
                s.day.empty() ? "-" : s.day.c_str(), s.model.empty() ? "-" : s.model.c_str(),
                static_cast<long long>(s.requests), static_cast<long long>(s.usage.prompt_tokens),
                static_cast<long long>(s.usage.cached_tokens),
                static_cast<long long>(s.usage.completion_tokens), format_usd(s.cost).c_str());
}

}  // namespace

int usage(const std::optional<std::string>& config_path, const UsageOptions& o) {
  UsageQuery q;
  q.limit = o.limit;
  if (!o.account.empty()) q.account_id = o.account;
  if (!o.since.empty()) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    q.since_ms = views::parse_since(o.since, now);
    if (!q.since_ms) {
      std::cerr << "glmgate: --since \"" << o.since
                << "\": expected a date (2026-11-21), a UTC time (2026-11-21T10:00:00Z), unix "
                   "seconds or an age (90m, 24h, 7d)\n";
      return 2;
    }
  }
  bool grouped = !o.group_by.empty();
  if (grouped && !views::parse_group_by(o.group_by, q)) {
    std::cerr << "glmgate: --group-by \"" << o.group_by << "\": expected model, day or model,day\n";
    return 2;
  }
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  AccountService service(*store, *store, *store, "cli");
  if (grouped) {
    auto rows = service.usage_summary(q);
    if (o.format == "json") {
      json::array out;
      for (const auto& s : rows)
        out.push_back(views::usage_summary(s));
      std::cout << json::serialize(out) << "\n";
    } else {
      print_summary(rows, o.format);
    }
    return 0;
  }
  auto rows = service.usage(q);
  if (o.format == "json") {
    json::array out;
    for (const auto& u : rows)
      out.push_back(views::usage(u));
    std::cout << json::serialize(out) << "\n";
  } else {
    print_rows(rows, o.format);
  }
  return 0;
}

}  // namespace glmgate::cli
