// AccountService; see account_service.hpp.
#include "accounts/account_service.hpp"

#include <cctype>
#include <chrono>

#include "core/random.hpp"

namespace glmgate {

namespace {
constexpr std::size_t kMaxName = 64;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxName) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == '@'))
      return false;
  return name.rfind("acct_", 0) != 0;  // would be mistaken for an id
}
}  // namespace

AccountRecord AccountService::create_account(const std::string& name) {
  if (!valid_name(name))
    throw ServiceError(400,
                       "an account name is 1 to 64 letters, digits, '-', '_', '.' or '@', "
                       "and does not start with \"acct_\"");
  AccountRecord a;
  a.id = random_id("acct_", 16);
  a.name = name;
  a.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  try {
    accounts_.insert_account(a);
  } catch (const StoreConflict& e) {
    throw ServiceError(409, e.what());
  }
  return a;
}

AccountRecord AccountService::account(const std::string& id_or_name) {
  auto a = accounts_.find_account(id_or_name);
  if (!a)
    throw ServiceError(404, "no account is named or has the id \"" + id_or_name +
                                "\" (see `glmgate accounts list`)");
  return *a;
}

std::vector<AccountRecord> AccountService::accounts() {
  return accounts_.list_accounts();
}

Balance AccountService::balance(const std::string& id_or_name) {
  AccountRecord a = account(id_or_name);
  if (live_)
    if (auto live = live_(a.id)) {
      live->account_name = a.name;
      return *live;
    }
  return Balance{a.id, a.name, a.balance, a.reserved, a.spent};
}

LedgerEntry AccountService::append(const std::string& id_or_name, std::string_view kind,
                                   NanoUsd amount, const std::string& note) {
  AccountRecord a = account(id_or_name);
  if (note.size() > 500) throw ServiceError(400, "a note is at most 500 characters");
  LedgerEntry e;
  e.account_id = a.id;
  e.kind = std::string(kind);
  e.amount = amount;
  e.note = note;
  e.origin = origin_;
  try {
    return accounts_.append_ledger(e);
  } catch (const StoreConflict& err) {
    throw ServiceError(404, err.what());
  }
}

LedgerEntry AccountService::grant(const std::string& id_or_name, NanoUsd amount,
                                  const std::string& note) {
  if (amount <= 0) throw ServiceError(400, "a grant must be a positive amount of USD");
  return append(id_or_name, ledger_kind::kGrant, amount, note);
}

LedgerEntry AccountService::adjust(const std::string& id_or_name, NanoUsd amount,
                                   const std::string& note) {
  if (amount == 0) throw ServiceError(400, "an adjustment must not be zero");
  return append(id_or_name, ledger_kind::kAdjustment, amount, note);
}

std::vector<LedgerEntry> AccountService::ledger(const std::string& id_or_name) {
  return accounts_.ledger(account(id_or_name).id);
}

void AccountService::resolve(UsageQuery& query) {
  if (query.account_id) query.account_id = account(*query.account_id).id;
}

std::vector<UsageRecord> AccountService::usage(UsageQuery query) {
  resolve(query);
  return usage_.usage(query);
}

std::vector<UsageSummary> AccountService::usage_summary(UsageQuery query) {
  resolve(query);
  return usage_.usage_summary(query);
}

void AccountService::set_paused(bool paused) {
  settings_.set_setting(setting_name::kPaused, paused ? "1" : "0");
}

bool AccountService::paused() {
  return settings_.setting(setting_name::kPaused).value_or("0") == "1";
}

}  // namespace glmgate
