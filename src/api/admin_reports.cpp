// The admin API's report endpoints; see admin_reports.hpp.
#include "api/admin_reports.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>
#include <unordered_map>

#include "accounts/views.hpp"
#include "api/admin_io.hpp"

namespace glmgate::admin_reports {

namespace json = boost::json;
using namespace admin_io;

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// `since` and `until`: a date, a unix time in seconds or an age ("7d"); the span is checked.
struct Span {
  std::int64_t since_ms;
  std::int64_t until_ms;
};

Span span(const QueryParams& params, std::int64_t default_age_ms, std::int64_t max_ms) {
  const std::int64_t now = now_ms();
  Span s{now - default_age_ms, now + 1};
  if (auto v = param(params, "since"); !v.empty()) {
    auto ms = views::parse_since(v, now);
    if (!ms) throw ServiceError(400, "`since` is a date, a unix time or an age like 24h");
    s.since_ms = *ms;
  }
  if (auto v = param(params, "until"); !v.empty()) {
    auto ms = views::parse_since(v, now);
    if (!ms) throw ServiceError(400, "`until` is a date or a unix time");
    s.until_ms = *ms;
  }
  if (s.until_ms <= s.since_ms) throw ServiceError(400, "`until` must come after `since`");
  if (s.until_ms - s.since_ms > max_ms)
    throw ServiceError(400, "the span may be at most " + std::to_string(max_ms / kDayMs) +
                                " days with this bucket");
  return s;
}

std::int64_t limit_param(const QueryParams& params, std::int64_t fallback, std::int64_t most) {
  auto v = param(params, "limit");
  if (v.empty()) return fallback;
  auto n = parse_int(v);
  if (!n || *n < 1) throw ServiceError(400, "`limit` is a number from 1");
  return std::min(*n, most);
}

void money(json::object& o, std::string_view name, NanoUsd nano) {
  o[std::string(name) + "_usd"] = format_usd(nano);
  o[std::string(name) + "_nano_usd"] = nano;
}

double per(std::int64_t sum_us, std::int64_t n) {
  return n > 0 ? static_cast<double>(sum_us) / 1000.0 / static_cast<double>(n) : 0.0;
}

// The request log's cursor: opaque to clients, "<created_at>.<id>".
std::string cursor_text(const UsageCursor& c) {
  return std::to_string(c.created_at) + "." + std::to_string(c.id);
}

UsageCursor parse_cursor(std::string_view text) {
  const auto dot = text.find('.');
  auto at = dot == std::string_view::npos ? std::nullopt : parse_int(text.substr(0, dot));
  auto id = dot == std::string_view::npos ? std::nullopt : parse_int(text.substr(dot + 1));
  if (!at || !id) throw ServiceError(400, "`cursor` is not one this API gave");
  return {*at, *id};
}

}  // namespace

HttpResponse usage_series(AccountService& accounts, const HttpRequest& request,
                          const std::string& account_id) {
  const auto params = query_params(request);
  const std::string bucket = param(params, "bucket");
  if (!bucket.empty() && bucket != "hour" && bucket != "day")
    throw ServiceError(400, "`bucket` is hour or day");
  const bool by_day_asked = bucket == "day";
  const Span s = span(params, 7 * kDayMs, (bucket == "hour" ? 31 : 400) * kDayMs);
  UsageSeriesQuery q;
  q.by_day = bucket.empty() ? s.until_ms - s.since_ms > 2 * kDayMs : by_day_asked;
  if (!q.by_day && s.until_ms - s.since_ms > 31 * kDayMs)
    throw ServiceError(400, "hourly series span at most 31 days");
  q.since_ms = s.since_ms;
  q.until_ms = s.until_ms;
  if (!account_id.empty()) q.account_id = account_id;
  json::array data;
  for (const auto& p : accounts.usage_series(q)) {
    json::object o{{"t", p.bucket_ms / 1000},
                   {"model", p.model},
                   {"requests", p.requests},
                   {"errors", p.errors},
                   {"prompt_tokens", p.usage.prompt_tokens},
                   {"cached_tokens", p.usage.cached_tokens},
                   {"completion_tokens", p.usage.completion_tokens},
                   {"reasoning_tokens", p.usage.reasoning_tokens},
                   {"latency_ms_avg", per(p.latency_us, p.requests)},
                   {"ttft_ms_avg", per(p.ttft_us, p.requests)}};
    money(o, "cost", p.cost);
    data.push_back(std::move(o));
  }
  const std::int64_t width = q.by_day ? kDayMs : kHourMs;
  return json_response(200, json::object{{"bucket", q.by_day ? "day" : "hour"},
                                         {"since", (q.since_ms - q.since_ms % width) / 1000},
                                         {"until", q.until_ms / 1000},
                                         {"data", std::move(data)}});
}

HttpResponse usage_by_account(AccountService& accounts, const HttpRequest& request) {
  const auto params = query_params(request);
  const Span s = span(params, 30 * kDayMs, 400 * kDayMs);
  std::unordered_map<std::string, std::string> names;
  for (const auto& a : accounts.accounts())
    names.emplace(a.id, a.name);
  json::array data;
  for (const auto& t :
       accounts.usage_by_account(s.since_ms, s.until_ms, limit_param(params, 20, 1000))) {
    auto it = names.find(t.account_id);
    json::object o{{"account_id", t.account_id},
                   {"account", it == names.end() ? "" : it->second},
                   {"requests", t.requests},
                   {"errors", t.errors},
                   {"prompt_tokens", t.usage.prompt_tokens},
                   {"cached_tokens", t.usage.cached_tokens},
                   {"completion_tokens", t.usage.completion_tokens},
                   {"reasoning_tokens", t.usage.reasoning_tokens}};
    money(o, "cost", t.cost);
    data.push_back(std::move(o));
  }
  return json_response(200, list(std::move(data)));
}

HttpResponse requests(AccountService& accounts, const HttpRequest& request,
                      const std::string& account_id) {
  const auto params = query_params(request);
  UsagePageQuery q;
  if (!account_id.empty()) q.account_id = account_id;
  q.model = param(params, "model");
  q.surface = param(params, "surface");
  q.key_id = param(params, "key");
  const std::string status = param(params, "status");
  if (status == "ok")
    q.status_class = 1;
  else if (status == "error")
    q.status_class = 2;
  else if (!status.empty())
    throw ServiceError(400, "`status` is ok or error");
  if (auto v = param(params, "since"); !v.empty()) {
    q.since_ms = views::parse_since(v, now_ms());
    if (!q.since_ms) throw ServiceError(400, "`since` is a date, a unix time or an age like 24h");
  }
  if (auto c = param(params, "cursor"); !c.empty()) q.before = parse_cursor(c);
  q.limit = limit_param(params, 50, 100);
  const UsagePage page = accounts.usage_page(q);
  json::array data;
  for (const auto& u : page.records)
    data.push_back(views::usage(u));
  json::object out{{"object", "list"}, {"data", std::move(data)}};
  out["next_cursor"] = page.next ? json::value(cursor_text(*page.next)) : json::value(nullptr);
  out["scanned_to"] = page.scanned_to ? json::value(*page.scanned_to) : json::value(nullptr);
  return json_response(200, out);
}

HttpResponse ledger_page(AccountService& accounts, const HttpRequest& request,
                         const std::string& account_id) {
  const auto params = query_params(request);
  std::int64_t before = 0;
  if (auto v = param(params, "before"); !v.empty()) {
    auto n = parse_int(v);
    if (!n || *n < 1) throw ServiceError(400, "`before` is a ledger entry's ID");
    before = *n;
  }
  const std::int64_t limit = limit_param(params, 50, 500);
  auto rows = accounts.ledger_page(account_id, before, limit);
  json::array data;
  for (const auto& e : rows)
    data.push_back(views::ledger_entry(e));
  json::object out{{"object", "list"}, {"data", std::move(data)}};
  out["next_before"] = static_cast<std::int64_t>(rows.size()) == limit ? json::value(rows.back().id)
                                                                       : json::value(nullptr);
  return json_response(200, out);
}

HttpResponse models(const Catalog& catalog, const ModelStatus* status, bool where) {
  std::unordered_map<std::string, json::object> states;
  json::object snapshot = status ? status->snapshot() : json::object{{"models", json::array{}}};
  for (auto& m : snapshot.at("models").as_array())
    states.emplace(std::string(m.as_object().at("id").as_string()), m.as_object());
  json::array data;
  for (const auto& m : catalog.config().models) {
    json::array fallbacks;
    for (const auto& f : m.fallbacks)
      fallbacks.push_back(json::value(f));
    json::object o{{"id", m.id},
                   {"context_window", m.context_window},
                   {"max_output_tokens", m.max_output_tokens},
                   {"reasoning", m.reasoning},
                   {"tools", m.tools},
                   {"input_usd_per_mtok", format_usd(m.input_price_per_mtok)},
                   {"cached_input_usd_per_mtok", format_usd(m.cached_input_price_per_mtok)},
                   {"output_usd_per_mtok", format_usd(m.output_price_per_mtok)},
                   {"fallbacks", std::move(fallbacks)}};
    if (where) {
      o["provider"] = m.provider;
      o["upstream_model"] = m.upstream_model;
      o["deployments"] = static_cast<std::int64_t>(m.deployments.size());
      o["routing"] = m.routing;
    }
    if (auto it = states.find(m.id); it != states.end()) {
      o["status"] = it->second.at("status");
      o["uptime_1h"] = it->second.at("uptime_1h");
      o["uptime_24h"] = it->second.at("uptime_24h");
    }
    data.push_back(std::move(o));
  }
  return json_response(200, list(std::move(data)));
}

HttpResponse key_page(KeyService& keys, const HttpRequest& request,
                      const std::optional<std::string>& account) {
  const auto params = query_params(request);
  const std::int64_t limit = limit_param(params, 100, 1000);
  auto page = keys.list_page(account, param(params, "after"), limit);
  json::array data;
  for (const auto& k : page)
    data.push_back(views::key(k));
  json::object out = list(std::move(data));
  out["next_after"] = static_cast<std::int64_t>(page.size()) == limit ? json::value(page.back().id)
                                                                      : json::value(nullptr);
  return json_response(200, out);
}

HttpResponse output(OutputService& outputs, const std::string& id, const std::string& account_id) {
  auto found = account_id.empty() ? outputs.find_any_account(id) : outputs.find(id, account_id);
  if (!found) throw ServiceError(404, "no output has the id \"" + id + "\"");
  json::object o{{"id", found->id},
                 {"account_id", found->account_id},
                 {"key_id", found->key_id},
                 {"surface", found->surface},
                 {"model", found->model},
                 {"status", found->status},
                 {"prompt_tokens", found->usage.prompt_tokens},
                 {"completion_tokens", found->usage.completion_tokens},
                 {"created_at", found->created_at / 1000},
                 {"expires_at", found->expires_at / 1000}};
  money(o, "cost", found->cost);
  boost::system::error_code ec;
  json::value body = json::parse(found->body, ec);
  o["body"] = ec ? json::value(found->body) : std::move(body);
  return json_response(200, o);
}

}  // namespace glmgate::admin_reports
