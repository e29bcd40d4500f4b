// AccountBook: the in-memory Wallet. Every account's balance, open reservations, cumulative spend
// and free calls live here, so holding and settling never touch the disk and always answer at
// once (try_hold() is never `pending`); a charge's ledger row
// is handed back in the Settlement (the caller queues it with the usage record), and changes made
// by other processes (grants from the CLI) arrive through the store sync. One small mutex per
// account, held for a few integer operations, so parallel requests on one account are serialized
// exactly where the balance is checked and changed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "contracts/wallet.hpp"

namespace glmgate {

// What an account's balance in the book is: the account's own balance (one server on its store,
// kept in step by the store sync), or the lease this instance holds on it (several instances on
// one store: accounts/LeaseWallet grows and shrinks it; the sync's balances are not this book's).
enum class BookFunds { balances, leases };

// The 402 a hold gets when `available` (what the account can still hold, as the caller knows it)
// is less than `needed`; both figures are in its message.
ApiError insufficient_quota_error(NanoUsd available, NanoUsd needed);

class AccountBook final : public Wallet {
 public:
  AccountBook(std::int64_t free_calls_per_model, std::string origin,
              BookFunds funds = BookFunds::balances);

  HoldDecision try_hold(const KeyInfo& key, const std::string& model, NanoUsd amount) override;
  Settlement settle(const KeyInfo& key, const std::string& model, const Reservation& reservation,
                    NanoUsd cost, const std::string& request_id) override;
  void release(const KeyInfo& key, const std::string& model,
               const Reservation& reservation) override;
  NanoUsd spent(const std::string& account_id) const override;

  // From the store sync. A new account starts from the stored figures (returns true); a known one
  // keeps its own.
  bool load(const AccountRecord& account);
  // A balance change written by another process (a grant from the CLI or the admin API).
  void apply_external(const LedgerEntry& entry);
  void load_free_calls(const std::vector<FreeCallCount>& counts);

  // Leases (BookFunds::leases): adds `amount` to the account's funds (a lease grew), adding the
  // account when it is new.
  void credit(const std::string& account_id, NanoUsd amount);
  // Takes what the account's funds hold beyond its open holds and `keep`, and returns it (to give
  // back to the store); 0 when nothing is left over.
  NanoUsd take_unheld(const std::string& account_id, NanoUsd keep);
  // The account's funds less its open holds; 0 for an unknown account.
  NanoUsd available(const std::string& account_id) const;
  // Free calls counted by all instances (accounts/LeaseWallet, contracts/free_call_counter.hpp):
  // whether a hold of `model` may still be free by this book's count, and how many it knows used
  // (0 when free calls are off or the account unknown).
  bool may_be_free(const std::string& account_id, const std::string& model,
                   std::int64_t& used) const;
  // One free call the shared count gave: held here as the book's own free calls are.
  HoldDecision hold_free(const KeyInfo& key, const std::string& model);
  // The shared count has none left: this book gives no more free calls of `model` to the account.
  void free_calls_gone(const std::string& account_id, const std::string& model);
  std::int64_t free_calls_per_model() const { return free_calls_per_model_; }
  // How many holds with an amount the account has had (0 for an unknown account): a reader that
  // saw the count change knows the account was busy since, without a lock on the hold's path.
  std::uint64_t hold_count(const std::string& account_id) const;

  struct Figures {
    NanoUsd balance = 0;
    NanoUsd reserved = 0;
    NanoUsd spent = 0;
  };
  std::optional<Figures> figures(const std::string& account_id) const;
  // Accounts whose open reservations changed since the last call, with their current amount.
  std::vector<std::pair<std::string, NanoUsd>> take_changed_reservations();

 private:
  struct FreeCalls {
    std::int64_t used = 0;
    std::int64_t pending = 0;
    bool gone = false;  // the shared count has none left
  };
  struct Account {
    mutable std::mutex mutex;
    NanoUsd balance = 0;
    NanoUsd reserved = 0;
    // Written under the mutex; read without it by spent(), for which a value a request old will
    // do.
    std::atomic<NanoUsd> spent{0};
    std::unordered_map<std::string, FreeCalls> free;
    std::atomic<bool> reservation_changed{false};
    std::atomic<std::uint64_t> holds{0};
  };
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, std::unique_ptr<Account>> accounts;
  };
  static constexpr std::size_t kShards = 64;

  Account* find(const std::string& id) const;
  Account& find_or_add(const std::string& id, bool& added);
  void mark_changed(const std::string& id, Account& account);

  const std::uint64_t instance_;  // tells apart books in a thread's cache of find()
  std::int64_t free_calls_per_model_;
  std::string origin_;
  BookFunds funds_;
  std::array<Shard, kShards> shards_;
  std::mutex changed_mutex_;
  std::vector<std::string> changed_;
};

}  // namespace glmgate
