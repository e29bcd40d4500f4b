// JSON views and report arguments; see views.hpp.
#include "accounts/views.hpp"

#include <charconv>
#include <ctime>

namespace glmgate::views {

namespace json = boost::json;

namespace {
void money(json::object& o, std::string_view name, NanoUsd nano) {
  o[std::string(name) + "_usd"] = format_usd(nano);
  o[std::string(name) + "_nano_usd"] = nano;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

json::object account(const AccountRecord& a) {
  json::object o{{"id", a.id}, {"name", a.name}, {"created_at", a.created_at}};
  money(o, "balance", a.balance);
  money(o, "reserved", a.reserved);
  money(o, "spent", a.spent);
  return o;
}

json::object balance(const Balance& b) {
  json::object o{{"account", b.account_name}, {"account_id", b.account_id}};
  money(o, "balance", b.balance);
  money(o, "reserved", b.reserved);
  money(o, "available", b.balance - b.reserved);
  money(o, "spent", b.spent);
  return o;
}

json::object ledger_entry(const LedgerEntry& e) {
  json::object o{{"id", e.id},
                 {"account_id", e.account_id},
                 {"kind", e.kind},
                 {"request_id", e.request_id},
                 {"note", e.note},
                 {"origin", e.origin},
                 {"created_at", e.created_at}};
  money(o, "amount", e.amount);
  money(o, "balance_after", e.balance_after);
  return o;
}

json::object user(const UserRecord& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"role", u.role},
          {"account_id", u.account_id},
          {"state", u.disabled                ? "disabled"
                    : u.password_hash.empty() ? "invited"
                                              : "active"},
          {"disabled", u.disabled},
          {"password_set", !u.password_hash.empty()},
          {"created_at", u.created_at / 1000}};
}

json::object key(const KeyRecord& k) {
  return json::object{{"id", k.id},
                      {"name", k.name},
                      {"prefix", k.prefix},
                      {"state", k.revoked ? "revoked" : "active"},
                      {"admin", k.admin},
                      {"account_id", k.account_id},
                      {"rpm", k.rpm},
                      {"tpm", k.tpm},
                      {"max_concurrency", k.max_concurrency},
                      {"created_at", k.created_at}};
}

json::object usage(const UsageRecord& u) {
  json::object o{{"request_id", u.request_id},
                 {"key_id", u.key_id},
                 {"account_id", u.account_id},
                 {"model", u.model},
                 {"provider", u.provider},
                 {"served_model", u.served_model.empty() ? u.model : u.served_model},
                 {"attempts", u.attempts},
                 {"surface", u.surface},
                 {"status", u.status},
                 {"stream", u.stream},
                 {"free", u.free},
                 {"estimated", u.usage.estimated},
                 {"prompt_tokens", u.usage.prompt_tokens},
                 {"cached_tokens", u.usage.cached_tokens},
                 {"completion_tokens", u.usage.completion_tokens},
                 {"reasoning_tokens", u.usage.reasoning_tokens},
                 {"latency_ms", static_cast<double>(u.latency_us) / 1000.0},
                 {"ttft_ms", static_cast<double>(u.ttft_us) / 1000.0},
                 {"created_at", u.created_at}};
  money(o, "cost", u.cost);
  return o;
}

json::object usage_summary(const UsageSummary& s) {
  json::object o{{"requests", s.requests},
                 {"prompt_tokens", s.usage.prompt_tokens},
                 {"cached_tokens", s.usage.cached_tokens},
                 {"completion_tokens", s.usage.completion_tokens},
                 {"reasoning_tokens", s.usage.reasoning_tokens}};
  if (!s.day.empty()) o["day"] = s.day;
  if (!s.model.empty()) o["model"] = s.model;
  money(o, "cost", s.cost);
  return o;
}

std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms) {
  if (text.empty()) return std::nullopt;
  if (auto v = parse_int(text)) {  // unix seconds, up to the year 9999
    if (*v < 0 || *v > 253'402'300'799) return std::nullopt;
    return *v * 1000;
  }
  char unit = text.back();
  if (unit == 'm' || unit == 'h' || unit == 'd') {
    auto n = parse_int(text.substr(0, text.size() - 1));
    if (!n || *n < 0 || *n > 100'000) return std::nullopt;
    std::int64_t scale = unit == 'm' ? 60'000 : unit == 'h' ? 3'600'000 : 86'400'000;
    return now_ms - *n * scale;
  }
  // YYYY-MM-DD, optionally THH:MM[:SS][Z], in UTC.
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string t(text);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  int got = std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  bool shape =
      (got == 3 && t.size() == 10) || (got == 5 && t.size() == 16) || (got == 6 && t.size() == 19);
  if (!shape || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

bool parse_group_by(std::string_view text, UsageQuery& query) {
  query.by_day = query.by_model = false;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    if (part == "day")
      query.by_day = true;
    else if (part == "model")
      query.by_model = true;
    else
      return false;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return query.by_day || query.by_model;
}

}  // namespace glmgate::views
