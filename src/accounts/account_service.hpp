// AccountService: accounts, credits, the ledger, usage reports and the pause switch — the one
// service layer the CLI and the admin API share. It works on the store, so it also works when no
// server runs; a running server's live figures (open reservations, balances not yet flushed) are
// overlaid when it is given a LiveFigures source. Blocking: never call it on an I/O thread.
// Throws ServiceError for requests it refuses.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accounts/service_error.hpp"
#include "contracts/store/account_store.hpp"
#include "contracts/store/settings_store.hpp"
#include "contracts/store/store_error.hpp"
#include "contracts/store/usage_store.hpp"

namespace glmgate {

struct Balance {
  std::string account_id;
  std::string account_name;
  NanoUsd balance = 0;
  NanoUsd reserved = 0;
  NanoUsd spent = 0;
};

class AccountService {
 public:
  // Live figures of a running server, when there is one: {balance, reserved, spent}.
  using LiveFigures = std::function<std::optional<Balance>(const std::string& account_id)>;

  // `origin` names the writer on its ledger rows ("cli", "admin-api").
  AccountService(AccountStore& accounts, UsageStore& usage, SettingsStore& settings,
                 std::string origin)
      : accounts_(accounts), usage_(usage), settings_(settings), origin_(std::move(origin)) {}
  void set_live_figures(LiveFigures live) { live_ = std::move(live); }

  AccountRecord create_account(const std::string& name);
  AccountRecord account(const std::string& id_or_name);
  std::vector<AccountRecord> accounts();
  Balance balance(const std::string& id_or_name);

  // Adds `amount` (> 0) as a grant; or any non-zero signed amount as an adjustment.
  LedgerEntry grant(const std::string& id_or_name, NanoUsd amount, const std::string& note);
  LedgerEntry adjust(const std::string& id_or_name, NanoUsd amount, const std::string& note);
  std::vector<LedgerEntry> ledger(const std::string& id_or_name);
  // Grants, adjustments and refunds, newest first (AccountStore::ledger_page); by account ID.
  std::vector<LedgerEntry> ledger_page(const std::string& account_id, std::int64_t before_id,
                                       std::int64_t limit) {
    return accounts_.ledger_page(account_id, before_id, limit);
  }

  // The account (by id or name) in `query.account_id` is resolved to its id.
  std::vector<UsageRecord> usage(UsageQuery query);
  std::vector<UsageSummary> usage_summary(UsageQuery query);
  // The console's reads (contracts/store/usage_store.hpp); accounts by ID.
  std::vector<UsageSeriesPoint> usage_series(const UsageSeriesQuery& query) {
    return usage_.usage_series(query);
  }
  std::vector<AccountUsageTotal> usage_by_account(std::int64_t since_ms, std::int64_t until_ms,
                                                  std::int64_t limit) {
    return usage_.usage_by_account(since_ms, until_ms, limit);
  }
  UsagePage usage_page(const UsagePageQuery& query) { return usage_.usage_page(query); }

  void set_paused(bool paused);
  bool paused();

 private:
  LedgerEntry append(const std::string& id_or_name, std::string_view kind, NanoUsd amount,
                     const std::string& note);
  void resolve(UsageQuery& query);

  AccountStore& accounts_;
  UsageStore& usage_;
  SettingsStore& settings_;
  std::string origin_;
  LiveFigures live_;
};

}  // namespace glmgate
