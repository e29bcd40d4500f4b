// `glmgate accounts|credits|ledger|pause|resume`: thin wrappers over AccountService, writing as
// origin "cli". A running server sees the change within its sync interval.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <iostream>

#include "accounts/account_service.hpp"
#include "accounts/views.hpp"
#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace glmgate::cli {

namespace json = boost::json;

namespace {

constexpr const char* kOrigin = "cli";

// Opens the configured store and runs `body` with the service over it.
template <class F>
int with_service(const std::optional<std::string>& config_path, F body) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  AccountService service(*store, *store, *store, kOrigin);
  return body(service);
}

void print_json(const json::value& v) {
  std::cout << json::serialize(v) << "\n";
}

}  // namespace

int accounts_create(const std::optional<std::string>& config_path, const std::string& name,
                    bool as_json) {
  return with_service(config_path, [&](AccountService& s) {
    auto a = s.create_account(name);
    if (as_json)
      print_json(views::account(a));
    else
      std::cout << "Created account " << a.name << " (" << a.id << ")\n";
    return 0;
  });
}

int accounts_list(const std::optional<std::string>& config_path, bool as_json) {
  return with_service(config_path, [&](AccountService& s) {
    auto accounts = s.accounts();
    if (as_json) {
      json::array out;
      for (const auto& a : accounts)
        out.push_back(views::account(a));
      print_json(out);
      return 0;
    }
    std::printf("%-22s %-24s %18s %18s\n", "ID", "NAME", "BALANCE_USD", "SPENT_USD");
    for (const auto& a : accounts)
      std::printf("%-22s %-24s %18s %18s\n", a.id.c_str(), a.name.c_str(),
                  format_usd(a.balance).c_str(), format_usd(a.spent).c_str());
    return 0;
  });
}

int credits_change(const std::optional<std::string>& config_path, const CreditsOptions& o) {
  auto amount = parse_usd(o.amount);
  if (!amount) {
    std::cerr << "glmgate: \"" << o.amount << "\" is not an amount in USD (e.g. 10 or 2.50)\n";
    return 2;
  }
  return with_service(config_path, [&](AccountService& s) {
    LedgerEntry e =
        o.adjustment ? s.adjust(o.account, *amount, o.note) : s.grant(o.account, *amount, o.note);
    if (o.json)
      print_json(views::ledger_entry(e));
    else
      std::cout << (o.adjustment ? "Adjusted " : "Granted ") << format_usd(e.amount)
                << " USD; the balance is now " << format_usd(e.balance_after) << " USD\n";
    return 0;
  });
}

int credits_show(const std::optional<std::string>& config_path, const std::string& account,
                 bool as_json) {
  return with_service(config_path, [&](AccountService& s) {
    Balance b = s.balance(account);
    if (as_json) {
      print_json(views::balance(b));
      return 0;
    }
    std::cout << "account    " << b.account_name << " (" << b.account_id << ")\n"
              << "balance    " << format_usd(b.balance) << " USD\n"
              << "reserved   " << format_usd(b.reserved) << " USD\n"
              << "available  " << format_usd(b.balance - b.reserved) << " USD\n"
              << "spent      " << format_usd(b.spent) << " USD\n";
    return 0;
  });
}

int ledger(const std::optional<std::string>& config_path, const std::string& account,
           bool as_json) {
  return with_service(config_path, [&](AccountService& s) {
    auto rows = s.ledger(account);
    if (as_json) {
      json::array out;
      for (const auto& e : rows)
        out.push_back(views::ledger_entry(e));
      print_json(out);
      return 0;
    }
    std::printf("%-8s %-10s %18s %18s %-14s %s\n", "ID", "KIND", "AMOUNT_USD", "BALANCE_USD",
                "ORIGIN", "REQUEST / NOTE");
    for (const auto& e : rows)
      std::printf("%-8lld %-10s %18s %18s %-14.14s %s\n", static_cast<long long>(e.id),
                  e.kind.c_str(), format_usd(e.amount).c_str(), format_usd(e.balance_after).c_str(),
                  e.origin.c_str(),
                  (e.request_id.empty() ? e.note : e.request_id + " " + e.note).c_str());
    return 0;
  });
}

int set_paused(const std::optional<std::string>& config_path, bool paused) {
  return with_service(config_path, [&](AccountService& s) {
    s.set_paused(paused);
    std::cout << (paused ? "Paused: the public API answers 503 until `glmgate resume`.\n"
                         : "Resumed: the public API serves again.\n");
    return 0;
  });
}

}  // namespace glmgate::cli
