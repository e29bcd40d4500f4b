// SqliteStore: every store contract on one SQLite file in WAL mode, so that the CLI and a running
// server share it. A mutex serializes this process's use of its connection; SQLite's own locking
// (with a busy timeout) serializes the processes, and a write transaction (BEGIN IMMEDIATE) takes
// the database's write lock first, which is what makes the change feed's positions commit-ordered
// (sqlite_change_feed.cpp). One server per file: the server lock (sqlite_server_lock.hpp).
//
// The methods are defined by concern: sqlite_keys.cpp, sqlite_accounts.cpp, sqlite_leases.cpp,
// sqlite_usage.cpp, sqlite_outputs.cpp, sqlite_tasks.cpp (tasks and their claims),
// sqlite_change_feed.cpp (and settings), sqlite_commit.cpp (the batch commit), sqlite_transfer.cpp
// (store copy); the rows' columns and binders are in sqlite_rows.hpp, the schema in migrations/
// (sqlite_migrations.hpp). Private to this folder: it includes sqlite3.h.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/sqlite/sqlite_backend.hpp"
#include "backends/sqlite/sqlite_db.hpp"
#include "backends/sqlite/sqlite_server_lock.hpp"

namespace glmgate {

struct UsageRow;

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const SqliteOptions& options);

  // KeyStore
  void insert_key(const KeyRecord& key) override;
  std::vector<KeyRecord> list_keys(const std::optional<std::string>& account_id) override;
  std::vector<KeyRecord> list_keys_page(const std::optional<std::string>& account_id,
                                        const std::string& after_id, std::int64_t limit) override;
  bool revoke_key(const std::string& id) override;
  std::optional<KeyRecord> find_key(const std::string& id) override;
  std::int64_t count_keys() override;
  std::int64_t expire_keys(std::int64_t now_ms, std::int64_t forget_before_ms) override;

  // AccountStore
  void insert_account(const AccountRecord& account) override;
  std::optional<AccountRecord> find_account(const std::string& id_or_name) override;
  std::vector<AccountRecord> list_accounts() override;
  LedgerEntry append_ledger(const LedgerEntry& entry) override;
  std::vector<LedgerEntry> ledger(const std::string& account_id) override;
  std::vector<LedgerEntry> ledger_page(const std::string& account_id, std::int64_t before_id,
                                       std::int64_t limit) override;
  std::vector<LedgerEntry> charges_for(const std::string& request_id) override;
  void clear_reserved(const std::string& instance) override;
  void set_webhook_secret(const std::string& account_id, const std::string& secret) override;
  std::string webhook_secret(const std::string& account_id) override;

  // LeaseStore
  LeaseGrant grow_lease(const std::string& account_id, const std::string& instance, NanoUsd need,
                        NanoUsd want, std::int64_t now_ms, std::int64_t ttl_ms) override;
  void shrink_lease(const std::string& account_id, const std::string& instance,
                    NanoUsd amount) override;
  LeaseRenewal renew_leases(const std::string& instance, std::int64_t now_ms,
                            std::int64_t ttl_ms) override;
  void demand_credit(const std::string& account_id, const std::string& instance,
                     std::int64_t now_ms) override;
  void drop_leases(const std::string& instance) override;
  std::vector<Lease> leases(const std::string& account_id) override;

  // UsageStore
  std::vector<UsageRecord> usage(const UsageQuery& query) override;
  std::vector<UsageSummary> usage_summary(const UsageQuery& query) override;
  std::vector<FreeCallCount> free_calls_used() override;
  std::vector<UsageSeriesPoint> usage_series(const UsageSeriesQuery& query) override;
  std::vector<AccountUsageTotal> usage_by_account(std::int64_t since_ms, std::int64_t until_ms,
                                                  std::int64_t limit) override;
  UsagePage usage_page(const UsagePageQuery& query) override;

  // OutputStore
  std::optional<StoredOutput> find_output(const std::string& id) override;
  bool delete_output(const std::string& id, const std::string& account_id) override;
  std::int64_t sweep_outputs(std::int64_t now_ms, std::int64_t limit) override;

  // TaskStore
  void insert_task(const TaskRecord& task) override;
  void insert_claimed_task(const TaskRecord& task, const std::string& instance, std::int64_t now_ms,
                           std::int64_t lease_ms) override;
  std::optional<TaskRecord> find_task(const std::string& id) override;
  std::vector<TaskRecord> open_tasks() override;
  std::int64_t sweep_tasks(std::int64_t now_ms, std::int64_t limit) override;
  std::vector<ClaimedTask> claim_runs(const std::string& instance, std::size_t limit,
                                      std::int64_t now_ms, std::int64_t lease_ms) override;
  std::vector<ClaimedTask> claim_deliveries(const std::string& instance, std::size_t limit,
                                            std::int64_t now_ms, std::int64_t lease_ms) override;
  std::optional<ClaimedTask> claim_task(const std::string& id, const std::string& instance,
                                        std::int64_t now_ms, std::int64_t lease_ms) override;
  ClaimRenewal renew_claims(const std::string& instance, const std::vector<std::string>& ids,
                            std::int64_t now_ms, std::int64_t lease_ms) override;
  void drop_claims(const std::string& instance) override;
  bool request_cancel(const std::string& id) override;

  // UserStore
  void insert_user(const UserRecord& user) override;
  std::optional<UserRecord> find_user(const std::string& id) override;
  std::optional<UserRecord> find_user_by_email(const std::string& email) override;
  std::vector<UserRecord> list_users(const std::optional<std::string>& account_id) override;
  bool set_user_disabled(const std::string& user_id, bool disabled) override;
  bool set_password_hash(const std::string& user_id, const std::string& hash) override;
  std::int64_t record_failed_sign_in(const std::string& user_id, std::int64_t now_ms) override;
  void clear_failed_sign_ins(const std::string& user_id) override;
  std::int64_t record_failed_sign_in_from(const std::string& address, std::int64_t now_ms) override;
  std::int64_t address_locked_until(const std::string& address) override;
  void insert_link(const UserLink& link) override;
  std::int64_t retire_links(const std::string& user_id, std::int64_t now_ms) override;
  std::optional<UserLink> find_link(const std::string& token_hash, std::int64_t now_ms) override;
  std::optional<UserLink> redeem_link(const std::string& token_hash,
                                      const std::string& password_hash,
                                      std::int64_t now_ms) override;
  void insert_session(const SessionRecord& session) override;
  std::optional<SessionRecord> find_session(const std::string& id_hash) override;
  void touch_session(const std::string& id_hash, std::int64_t now_ms) override;
  bool delete_session(const std::string& id_hash) override;
  std::int64_t delete_user_sessions(const std::string& user_id) override;
  std::int64_t sweep_users(std::int64_t now_ms, std::int64_t idle_ms) override;

  // SettingsStore
  void set_setting(const std::string& name, const std::string& value) override;
  std::optional<std::string> setting(const std::string& name) override;

  // ChangeFeed
  Changes changes_since(const ChangeCursor& cursor, std::string_view own_origin) override;

  // BatchStore
  void commit(const WriteBatch& batch) override;

  // TransferStore
  StoreCounts count_rows() override;
  std::vector<LedgerSum> ledger_sums() override;
  ExportPage<LedgerEntry> export_ledger(const ExportCursor& cursor, std::int64_t limit) override;
  ExportPage<UsageEntry> export_usage(const ExportCursor& cursor, std::int64_t limit) override;
  ExportPage<StoredOutput> export_outputs(const ExportCursor& cursor, std::int64_t limit) override;
  ExportPage<TaskRecord> export_tasks(const ExportCursor& cursor, std::int64_t limit) override;
  std::vector<Setting> export_settings() override;
  void import_rows(const ImportBatch& batch) override;

  // Store
  std::int64_t schema_version() override;
  std::int64_t latest_schema_version() const override;
  std::int64_t migrate() override;

 private:
  // The next change position, inside the caller's write transaction (sqlite_change_feed.cpp).
  std::int64_t next_change();
  std::optional<std::string> read_setting(const std::string& name);
  // The batch commit's steps (sqlite_commit.cpp).
  void apply_charges(const WriteBatch& batch, std::vector<UsageRow>& rows);
  void write_reserved(const ReservedAmounts& reserved);
  void shrink_charged_leases(const WriteBatch& batch);
  std::int64_t reserve_ledger_ids(std::int64_t n);
  // Adds new usage rows to every rollup (hourly and daily), in the caller's write transaction
  // (sqlite_reports.cpp).
  void add_to_rollups(const std::vector<const UsageRecord*>& records);
  template <class Row, class Bind>
  void insert_rows(const std::string& head, int columns, const std::vector<Row>& rows, Bind bind);
  // The statements of the writer's commit and of the change feed, which run every few hundred
  // milliseconds, prepared once (preparing one costs more than running it): the statement cached
  // under `key`, prepared from `sql()` the first time. The caller resets it as it needs.
  template <class Sql>
  SqliteStatement& cached_statement(const std::string& key, Sql sql) {
    auto& slot = statements_[key];
    if (!slot) slot = std::make_unique<SqliteStatement>(db_.handle(), sql());
    return *slot;
  }
  // The balance update and its ledger row; nullopt when the account does not exist.
  std::optional<LedgerEntry> apply_ledger(const LedgerEntry& entry);

  // The console's reports read through a connection of their own (opened at the first one): a
  // report of tens of milliseconds then waits for no commit and holds none up (WAL readers see
  // the last commit). `use` runs with it under its mutex.
  template <class Use>
  auto with_reports(Use use) {
    std::lock_guard lock(reports_mutex_);
    if (!reports_db_) {
      reports_db_ = std::make_unique<SqliteDb>(path_);
      reports_db_->exec("PRAGMA query_only=1; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;");
    }
    return use(*reports_db_);
  }

  std::mutex mutex_;
  SqliteServerLock lock_;  // before db_: a second server fails before it touches the file
  SqliteDb db_;
  std::string path_;  // for messages
  // Declared after db_: finalized before the connection closes.
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> statements_;
  std::mutex reports_mutex_;
  std::unique_ptr<SqliteDb> reports_db_;
};

}  // namespace glmgate
