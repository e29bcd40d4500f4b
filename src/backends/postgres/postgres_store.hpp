// PostgresStore: every store contract on a PostgreSQL database, shared by any number of
// processes (servers on several hosts, the CLI). Calls from several threads at once each lease a
// connection of a small pool (postgres_pool.hpp), which reconnects by itself after a lost
// connection; each call is one transaction, most of them one statement.
//
// The change feed's positions come from a one-row counter that a writer of a reported change takes
// (UPDATE ... RETURNING) in the last statement of its transaction, so the row's lock orders those
// writers and positions are handed out in commit order (postgres_change_feed.cpp). A batch commit
// is one round trip (libpq's pipeline): its records, charges and ledger rows in one statement
// with one balance update per account, then outputs, tasks and holds (postgres_commit.cpp).
//
// The methods are defined by concern: postgres_keys.cpp, postgres_accounts.cpp,
// postgres_leases.cpp, postgres_usage.cpp, postgres_outputs.cpp, postgres_tasks.cpp (tasks and
// their claims), postgres_change_feed.cpp (and settings), postgres_commit.cpp (the batch commit),
// postgres_transfer.cpp (store copy); the rows' columns and readers are in postgres_rows.hpp, the
// schema in migrations/ (postgres_migrations.hpp). Private to this folder: it includes libpq
// through the connection.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/postgres/postgres_backend.hpp"
#include "backends/postgres/postgres_pool.hpp"

namespace glmgate {

class PostgresStore final : public Store {
 public:
  // Connections the store opens at most: the threads of a server that call it at once.
  static constexpr std::size_t kConnections = 4;

  PostgresStore(const std::string& url, const PostgresOptions& options);

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
  bool pushes() const override { return true; }
  bool wait_for_change(std::chrono::milliseconds timeout) override;

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
  bool serves_several() const override { return true; }

 private:
  std::string url_;
  PgPool pool_;
  // The connection that LISTENs for changes (postgres_change_feed.cpp): its own, never pooled,
  // since a pooled connection must read nothing while idle. Used by wait_for_change()'s one thread.
  std::unique_ptr<PgConnection> listener_;
};

}  // namespace glmgate
