// AccountBook; see account_book.hpp. Accounts are never removed, so an Account found once stays
// valid; the shard lock only guards the map.
#include "accounts/account_book.hpp"

#include <chrono>

namespace glmgate {

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ApiError insufficient_quota_error(NanoUsd available, NanoUsd needed) {
  return ApiError{402,
                  "insufficient_quota",
                  "insufficient_quota",
                  "Your account's credit balance is too low for this request: it needs up to $" +
                      format_usd(needed) +
                      " (the prompt and max_tokens at the model's prices) "
                      "and $" +
                      format_usd(std::max<NanoUsd>(0, available)) +
                      " is available. Add credits or lower max_tokens.",
                  {}};
}

namespace {
std::atomic<std::uint64_t> next_instance{1};

// The accounts a thread has found, by book: an account is never removed from its book, so a
// pointer once found stays good. A lookup then writes nothing another thread reads; the shard's
// shared lock was a write to a line both I/O threads took turns owning on every request.
struct FoundAccounts {
  std::uint64_t instance = 0;
  std::unordered_map<std::string, void*> accounts;
};
thread_local FoundAccounts t_found;
constexpr std::size_t kMaxFoundAccounts = 4096;
}  // namespace

AccountBook::AccountBook(std::int64_t free_calls_per_model, std::string origin, BookFunds funds)
    : instance_(next_instance.fetch_add(1)),
      free_calls_per_model_(free_calls_per_model),
      origin_(std::move(origin)),
      funds_(funds) {}

AccountBook::Account* AccountBook::find(const std::string& id) const {
  FoundAccounts& found = t_found;
  if (found.instance != instance_) {
    found.accounts.clear();
    found.instance = instance_;
  } else if (auto it = found.accounts.find(id); it != found.accounts.end()) {
    return static_cast<Account*>(it->second);
  }
  const Shard& shard = shards_[std::hash<std::string>{}(id) % kShards];
  Account* account = nullptr;
  {
    std::shared_lock lock(shard.mutex);
    auto it = shard.accounts.find(id);
    if (it == shard.accounts.end()) return nullptr;  // not kept: it may be added later
    account = it->second.get();
  }
  if (found.accounts.size() >= kMaxFoundAccounts) found.accounts.clear();
  found.accounts.emplace(id, account);
  return account;
}

AccountBook::Account& AccountBook::find_or_add(const std::string& id, bool& added) {
  Shard& shard = shards_[std::hash<std::string>{}(id) % kShards];
  std::unique_lock lock(shard.mutex);
  auto& slot = shard.accounts[id];
  added = !slot;
  if (!slot) slot = std::make_unique<Account>();
  return *slot;
}

void AccountBook::mark_changed(const std::string& id, Account& account) {
  if (account.reservation_changed.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard lock(changed_mutex_);
  changed_.push_back(id);
}

HoldDecision AccountBook::try_hold(const KeyInfo& key, const std::string& model, NanoUsd amount) {
  if (key.account_id.empty()) {
    if (key.admin) return HoldDecision::granted({0, false, false});  // the operator's own key
    return HoldDecision::refused(
        {403,
         "permission_error",
         "no_account",
         "This key belongs to no account. Create a key with `glmgate keys create "
         "--account NAME`.",
         {}});
  }
  Account* account = find(key.account_id);
  if (!account)
    return HoldDecision::refused(
        {403,
         "permission_error",
         "account_not_found",
         "This key's account is not known to the gateway yet; try again shortly.",
         {}});
  {
    std::lock_guard lock(account->mutex);
    if (free_calls_per_model_ > 0) {
      FreeCalls& f = account->free[model];
      if (!f.gone && f.used + f.pending < free_calls_per_model_) {
        ++f.pending;
        return HoldDecision::granted({0, true, true});
      }
    }
    NanoUsd available = account->balance - account->reserved;
    if (available < amount)
      return HoldDecision::refused(insufficient_quota_error(available, amount));
    account->reserved += amount;
  }
  if (amount > 0) account->holds.fetch_add(1, std::memory_order_relaxed);
  mark_changed(key.account_id, *account);
  return HoldDecision::granted({amount, true, false});
}

Settlement AccountBook::settle(const KeyInfo& key, const std::string& model,
                               const Reservation& reservation, NanoUsd cost,
                               const std::string& request_id) {
  if (!reservation.metered) return {cost, false};
  Account* account = find(key.account_id);
  if (!account) return {0, false};
  Settlement out;
  {
    std::lock_guard lock(account->mutex);
    if (reservation.free) {
      FreeCalls& f = account->free[model];
      --f.pending;
      if (cost > 0) {
        ++f.used;
        out.free = true;
      }
      return out;
    }
    account->reserved -= reservation.amount;
    if (cost > 0) {
      account->balance -= cost;
      account->spent.store(account->spent.load(std::memory_order_relaxed) + cost,
                           std::memory_order_relaxed);
    }
  }
  mark_changed(key.account_id, *account);
  if (cost > 0) {
    LedgerEntry& e = out.entry.emplace();
    e.account_id = key.account_id;
    e.kind = std::string(ledger_kind::kCharge);
    e.amount = -cost;
    e.request_id = request_id;
    e.note = model;
    e.origin = origin_;
    e.created_at = now_ms();
  }
  out.charged = cost;
  return out;
}

void AccountBook::release(const KeyInfo& key, const std::string& model,
                          const Reservation& reservation) {
  settle(key, model, reservation, 0, {});  // a charge of 0 writes no ledger row
}

NanoUsd AccountBook::spent(const std::string& account_id) const {
  Account* account = find(account_id);
  if (!account) return 0;
  return account->spent.load(std::memory_order_relaxed);
}

bool AccountBook::load(const AccountRecord& record) {
  bool added = false;
  Account& account = find_or_add(record.id, added);
  if (!added) return false;
  std::lock_guard lock(account.mutex);
  if (funds_ == BookFunds::balances) account.balance = record.balance;
  account.spent.store(record.spent, std::memory_order_relaxed);
  return true;
}

void AccountBook::apply_external(const LedgerEntry& entry) {
  if (funds_ == BookFunds::leases) return;  // the balance is the store's; the lease is not moved
  Account* account = find(entry.account_id);
  if (!account) return;
  std::lock_guard lock(account->mutex);
  account->balance += entry.amount;
}

void AccountBook::load_free_calls(const std::vector<FreeCallCount>& counts) {
  for (const auto& c : counts) {
    Account* account = find(c.account_id);
    if (!account) continue;
    std::lock_guard lock(account->mutex);
    account->free[c.model].used = c.used;
  }
}

void AccountBook::credit(const std::string& account_id, NanoUsd amount) {
  bool added = false;
  Account& account = find_or_add(account_id, added);
  std::lock_guard lock(account.mutex);
  account.balance += amount;
}

NanoUsd AccountBook::take_unheld(const std::string& account_id, NanoUsd keep) {
  Account* account = find(account_id);
  if (!account) return 0;
  std::lock_guard lock(account->mutex);
  NanoUsd spare = account->balance - account->reserved - keep;
  if (spare <= 0) return 0;
  account->balance -= spare;
  return spare;
}

NanoUsd AccountBook::available(const std::string& account_id) const {
  Account* account = find(account_id);
  if (!account) return 0;
  std::lock_guard lock(account->mutex);
  return account->balance - account->reserved;
}

bool AccountBook::may_be_free(const std::string& account_id, const std::string& model,
                              std::int64_t& used) const {
  used = 0;
  if (free_calls_per_model_ <= 0) return false;
  Account* account = find(account_id);
  if (!account) return false;
  std::lock_guard lock(account->mutex);
  auto it = account->free.find(model);
  if (it == account->free.end()) return true;
  used = it->second.used;
  return !it->second.gone && it->second.used + it->second.pending < free_calls_per_model_;
}

HoldDecision AccountBook::hold_free(const KeyInfo& key, const std::string& model) {
  Account* account = find(key.account_id);
  if (!account) return HoldDecision::refused(insufficient_quota_error(0, 0));
  std::lock_guard lock(account->mutex);
  ++account->free[model].pending;
  return HoldDecision::granted({0, true, true, true});
}

void AccountBook::free_calls_gone(const std::string& account_id, const std::string& model) {
  Account* account = find(account_id);
  if (!account) return;
  std::lock_guard lock(account->mutex);
  account->free[model].gone = true;
}

std::uint64_t AccountBook::hold_count(const std::string& account_id) const {
  Account* account = find(account_id);
  return account ? account->holds.load(std::memory_order_relaxed) : 0;
}

std::optional<AccountBook::Figures> AccountBook::figures(const std::string& account_id) const {
  Account* account = find(account_id);
  if (!account) return std::nullopt;
  std::lock_guard lock(account->mutex);
  return Figures{account->balance, account->reserved,
                 account->spent.load(std::memory_order_relaxed)};
}

std::vector<std::pair<std::string, NanoUsd>> AccountBook::take_changed_reservations() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(changed_mutex_);
    ids.swap(changed_);
  }
  std::vector<std::pair<std::string, NanoUsd>> out;
  for (auto& id : ids) {
    Account* account = find(id);
    if (!account) continue;
    account->reservation_changed.store(false, std::memory_order_release);
    std::lock_guard lock(account->mutex);
    out.emplace_back(std::move(id), account->reserved);
  }
  return out;
}

}  // namespace glmgate
