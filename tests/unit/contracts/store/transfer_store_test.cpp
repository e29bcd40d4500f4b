// The TransferStore contract (contracts/store/transfer_store.hpp), for every backend: an install
// (accounts, keys with a revoked one, grants, charges of calls and of no call, outputs of calls
// and of a task, tasks, a setting, a webhook secret) is counted as its readers list it and listed
// once a page at a time, whatever the page size; its rows written into an empty store read back
// as they were (IDs, times, running balances, revocation, expiry), and the store then goes on
// after them (new IDs above, the change feed reporting the keys and accounts); a row the store
// holds already is refused with nothing of its batch written.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using TransferStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(TransferStoreContract);

auto fields(const LedgerEntry& e) {
  return std::tie(e.id, e.account_id, e.kind, e.amount, e.balance_after, e.request_id, e.note,
                  e.origin, e.created_at);
}
auto fields(const KeyRecord& k) {
  return std::tie(k.id, k.name, k.prefix, k.hash, k.revoked, k.admin, k.account_id, k.rpm, k.tpm,
                  k.max_concurrency, k.created_at);
}
auto fields(const AccountRecord& a) {
  return std::tie(a.id, a.name, a.balance, a.spent, a.created_at);
}
auto fields(const UsageRecord& u) {
  return std::make_tuple(u.request_id, u.key_id, u.account_id, u.model, u.provider, u.surface,
                         u.status, u.stream, u.free, u.usage.prompt_tokens,
                         u.usage.completion_tokens, u.usage.estimated, u.cost, u.latency_us,
                         u.created_at);
}
auto fields(const StoredOutput& o) {
  return std::make_tuple(o.id, o.account_id, o.key_id, o.surface, o.model, o.status, o.body,
                         o.context, o.previous_id, o.usage.prompt_tokens, o.cost, o.created_at,
                         o.expires_at);
}
auto fields(const TaskRecord& t) {
  return std::tie(t.id, t.account_id, t.key_id, t.path, t.body, t.callback_url, t.status,
                  t.output_id, t.http_status, t.result, t.webhook, t.created_at, t.updated_at,
                  t.expires_at);
}

// Every row of a listing, `limit` at a time.
template <class List>
auto list_all(List list, std::int64_t limit) {
  ExportCursor cursor;
  decltype(list(cursor, limit).rows) rows;
  for (int pages = 0; !cursor.done; ++pages) {
    EXPECT_LT(pages, 1000) << "the listing never ends";
    if (pages >= 1000) break;
    auto page = list(cursor, limit);
    EXPECT_LE(static_cast<std::int64_t>(page.rows.size()), limit);
    rows.insert(rows.end(), page.rows.begin(), page.rows.end());
    cursor = page.next;
  }
  return rows;
}

// Every row of `from` into `to`, in one batch.
void copy_all(Store& from, Store& to) {
  ImportBatch batch;
  batch.accounts = from.list_accounts();
  batch.keys = from.list_keys(std::nullopt);
  auto page = [](auto list) { return list_all(list, 1000); };
  batch.ledger =
      page([&](const ExportCursor& c, std::int64_t n) { return from.export_ledger(c, n); });
  batch.usage =
      page([&](const ExportCursor& c, std::int64_t n) { return from.export_usage(c, n); });
  batch.outputs =
      page([&](const ExportCursor& c, std::int64_t n) { return from.export_outputs(c, n); });
  batch.tasks =
      page([&](const ExportCursor& c, std::int64_t n) { return from.export_tasks(c, n); });
  to.import_rows(batch);
  for (const auto& s : from.export_settings())
    to.set_setting(s.name, s.value);
}

TEST_P(TransferStoreContract, CountsEveryRowAndListsEachOnceAPageAtATime) {
  InstallRows in = fill_install(*store_);
  EXPECT_EQ(store_->count_rows(), in.counts);

  std::map<std::int64_t, LedgerEntry> ledger;
  for (const auto& account : {in.acme, in.beta})
    for (const auto& e : store_->ledger(account))
      ledger[e.id] = e;
  for (std::int64_t limit : {1, 3, 1000}) {
    auto rows = list_all(
        [&](const ExportCursor& c, std::int64_t n) { return store_->export_ledger(c, n); }, limit);
    ASSERT_EQ(rows.size(), ledger.size()) << "limit " << limit;
    std::set<std::int64_t> seen;
    for (const auto& e : rows) {
      EXPECT_TRUE(seen.insert(e.id).second) << "listed twice: " << e.id;
      ASSERT_TRUE(ledger.count(e.id));
      EXPECT_EQ(fields(e), fields(ledger[e.id]));
    }

    auto usage = list_all(
        [&](const ExportCursor& c, std::int64_t n) { return store_->export_usage(c, n); }, limit);
    ASSERT_EQ(usage.size(), 6u);
    std::sort(usage.begin(), usage.end(), [](auto& a, auto& b) { return a.id > b.id; });
    auto newest_first = store_->usage({std::nullopt, std::nullopt, false, false, 100});
    ASSERT_EQ(newest_first.size(), usage.size());
    for (std::size_t i = 0; i < usage.size(); ++i)
      EXPECT_EQ(fields(usage[i].record), fields(newest_first[i]));  // the IDs order them

    auto outputs = list_all(
        [&](const ExportCursor& c, std::int64_t n) { return store_->export_outputs(c, n); }, limit);
    std::set<std::string> ids;
    for (const auto& o : outputs) {
      EXPECT_TRUE(ids.insert(o.id).second) << "listed twice: " << o.id;
      EXPECT_EQ(fields(o), fields(*store_->find_output(o.id)));
    }
    EXPECT_EQ(ids, std::set<std::string>(in.outputs.begin(), in.outputs.end()));

    auto tasks = list_all(
        [&](const ExportCursor& c, std::int64_t n) { return store_->export_tasks(c, n); }, limit);
    ASSERT_EQ(tasks.size(), 2u);
    for (const auto& t : tasks)
      EXPECT_EQ(fields(t), fields(*store_->find_task(t.id)));
  }
  auto settings = store_->export_settings();
  ASSERT_EQ(settings.size(), 1u);
  EXPECT_EQ(settings[0].name, "paused");
  EXPECT_EQ(settings[0].value, "1");
  std::map<std::string, NanoUsd> sums;
  for (const auto& s : store_->ledger_sums())
    sums[s.account_id] = s.sum;
  EXPECT_EQ(sums[in.acme], store_->find_account(in.acme)->balance);
  EXPECT_EQ(sums[in.beta], store_->find_account(in.beta)->balance);
  EXPECT_EQ(sums[in.beta], 500'000 - 1'000 - 50);
}

TEST_P(TransferStoreContract, WritesRowsAsTheyAreAndTheStoreGoesOnAfterThem) {
  InstallRows in = fill_install(*store_);
  auto target = open_empty();
  copy_all(*store_, *target);
  EXPECT_EQ(target->count_rows().webhook_secrets, 0);  // copied through the AccountStore
  target->set_webhook_secret(in.acme, store_->webhook_secret(in.acme));
  EXPECT_EQ(target->count_rows(), in.counts);

  auto accounts = store_->list_accounts();
  auto copied = target->list_accounts();
  ASSERT_EQ(copied.size(), accounts.size());
  for (std::size_t i = 0; i < accounts.size(); ++i)
    EXPECT_EQ(fields(copied[i]), fields(accounts[i]));
  auto keys = store_->list_keys(std::nullopt);
  auto copied_keys = target->list_keys(std::nullopt);
  ASSERT_EQ(copied_keys.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    EXPECT_EQ(fields(copied_keys[i]), fields(keys[i]));
  EXPECT_TRUE(target->find_key("key_beta")->revoked);
  for (const auto& account : {in.acme, in.beta}) {
    auto rows = store_->ledger(account);
    auto copied_rows = target->ledger(account);
    ASSERT_EQ(copied_rows.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
      EXPECT_EQ(fields(copied_rows[i]), fields(rows[i]));
  }
  auto usage = store_->usage({std::nullopt, std::nullopt, false, false, 100});
  auto copied_usage = target->usage({std::nullopt, std::nullopt, false, false, 100});
  ASSERT_EQ(copied_usage.size(), usage.size());
  for (std::size_t i = 0; i < usage.size(); ++i)
    EXPECT_EQ(fields(copied_usage[i]), fields(usage[i]));
  for (const auto& id : in.outputs)
    EXPECT_EQ(fields(*target->find_output(id)), fields(*store_->find_output(id)));
  EXPECT_EQ(fields(*target->find_task("task_1")), fields(*store_->find_task("task_1")));
  ASSERT_EQ(target->open_tasks().size(), 1u);
  EXPECT_EQ(target->charges_for("task_1").size(), 1u);  // a recovery after a restart finds it
  EXPECT_EQ(target->setting("paused"), "1");
  EXPECT_EQ(target->webhook_secret(in.acme), "whsec_abc");

  // A server starting on the copy reads every key and account with its balance.
  Changes first = target->changes_since({}, "srv_new");
  EXPECT_EQ(first.keys.size(), 3u);
  ASSERT_EQ(first.accounts.size(), 2u);
  for (const auto& a : first.accounts)
    EXPECT_EQ(a.balance, store_->find_account(a.id)->balance);
  // New rows come after the imported ones.
  std::int64_t last_ledger = 0;
  for (const auto& account : {in.acme, in.beta})
    for (const auto& e : target->ledger(account))
      last_ledger = std::max(last_ledger, e.id);
  LedgerEntry grant;
  grant.account_id = in.beta;
  grant.kind = std::string(ledger_kind::kGrant);
  grant.amount = 5;
  grant.origin = "cli";
  EXPECT_GT(target->append_ledger(grant).id, last_ledger);
  WriteBatch later;
  UsageRecord u = call_record("req_later", in.acme, 1);
  later.calls.push_back({u, charge_of(u)});
  target->commit(later);
  EXPECT_EQ(target->usage({std::nullopt, std::nullopt, false, false, 1})[0].request_id,
            "req_later");
  EXPECT_GT(target->ledger(in.acme).back().id, target->ledger(in.beta).back().id);
  EXPECT_EQ(target->ledger(in.acme).back().request_id, "req_later");
  Changes next = target->changes_since(first.cursor, "srv_new");
  ASSERT_EQ(next.ledger.size(), 1u);  // the grant, reported once
  EXPECT_EQ(next.ledger[0].amount, 5);
}

TEST_P(TransferStoreContract, RefusesARowTheStoreHoldsAndWritesNothingOfItsBatch) {
  std::string acme = new_account("acme", 1'000);
  ImportBatch again;
  again.keys.push_back(key_record("key_new", acme));
  AccountRecord twin = *store_->find_account(acme);
  again.accounts.push_back(twin);
  EXPECT_THROW(store_->import_rows(again), StoreConflict);
  EXPECT_FALSE(store_->find_key("key_new"));

  ImportBatch ledger;
  ledger.keys.push_back(key_record("key_new", acme));
  ledger.ledger.push_back(store_->ledger(acme)[0]);  // its ID is taken
  EXPECT_THROW(store_->import_rows(ledger), StoreConflict);
  EXPECT_FALSE(store_->find_key("key_new"));
  EXPECT_EQ(store_->ledger(acme).size(), 1u);
  EXPECT_EQ(store_->count_rows().keys, 0);
}

}  // namespace
}  // namespace glmgate
