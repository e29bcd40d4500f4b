// The BatchStore contract (contracts/store/batch_store.hpp), for every backend: a commit writes
// every call's record with its charge, so a charge never exists without its usage record; the
// balance stays the ledger sum, with each charge's running balance in the batch's order, also when
// a charge is not its call's and when two writers commit at once; outputs are found as given
// whether the pairing a batch names is right or not; call outputs keep their first, task outputs
// their last.
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using BatchStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(BatchStoreContract);

constexpr NanoUsd kFunds = 1'000'000;

// Every charge of the ledger is a call's with its usage record, or one of `lone`; the balance is
// the ledger sum and each row's balance_after the running sum.
void expect_consistent(Store& store, const std::string& account,
                       const std::set<std::string>& lone = {}) {
  std::set<std::string> recorded;
  for (const auto& u : store.usage({account, std::nullopt, false, false, 1'000'000}))
    recorded.insert(u.request_id);
  NanoUsd running = 0;
  NanoUsd spent = 0;
  for (const auto& e : store.ledger(account)) {
    running += e.amount;
    EXPECT_EQ(e.balance_after, running) << e.request_id;
    if (e.kind != ledger_kind::kCharge) continue;
    spent -= e.amount;
    EXPECT_TRUE(recorded.count(e.request_id) || lone.count(e.request_id))
        << "a charge without its usage record: " << e.request_id;
  }
  auto a = store.find_account(account);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->balance, running);
  EXPECT_EQ(a->spent, spent);
}

TEST_P(BatchStoreContract, CommitsEveryCallWithItsChargeAndTheBalanceStaysTheLedgerSum) {
  std::string acme = new_account("acme", kFunds);
  WriteBatch batch;
  NanoUsd charged = 0;
  for (int i = 0; i < 50; ++i) {
    UsageRecord u = call_record("req_" + std::to_string(i), acme, i + 1);
    batch.calls.push_back({u, charge_of(u)});
    charged += i + 1;
  }
  for (int i = 0; i < 10; ++i)  // free, or failed: no charge
    batch.calls.push_back({call_record("req_free_" + std::to_string(i), acme, 0)});
  UsageRecord lone = call_record("req_lone", acme, 9);
  batch.charges.push_back(charge_of(lone));  // a charge of no call in this batch
  store_->commit(batch);

  auto rows = store_->ledger(acme);
  ASSERT_EQ(rows.size(), 1u + 50 + 1);
  for (int i = 0; i < 50; ++i) {  // the calls' charges in their order, then the others
    EXPECT_EQ(rows[1 + i].request_id, "req_" + std::to_string(i));
    EXPECT_EQ(rows[1 + i].amount, -(i + 1));
    EXPECT_EQ(rows[1 + i].kind, "charge");
    EXPECT_GT(rows[1 + i].id, rows[i].id);
  }
  EXPECT_EQ(rows.back().request_id, "req_lone");
  EXPECT_EQ(store_->find_account(acme)->balance, kFunds - charged - 9);
  EXPECT_EQ(store_->usage({acme, std::nullopt, false, false, 1000}).size(), 60u);
  expect_consistent(*store_, acme, {"req_lone"});
}

// A backlog larger than one statement writes (PostgreSQL: 2,000 calls each) keeps every running
// balance, the ledger's order and the rollups.
TEST_P(BatchStoreContract, CommitsABacklogOfThousandsOfCallsAsOne) {
  std::string acme = new_account("acme", kFunds);
  std::string beta = new_account("beta", kFunds);
  WriteBatch batch;
  for (int i = 0; i < 4500; ++i) {
    UsageRecord u = call_record("req_" + std::to_string(i), i % 3 ? acme : beta, 2);
    batch.calls.push_back({u, charge_of(u)});
  }
  UsageRecord lone = call_record("req_lone", acme, 5);
  batch.charges.push_back(charge_of(lone));
  store_->commit(batch);
  EXPECT_EQ(store_->find_account(acme)->balance, kFunds - 3000 * 2 - 5);
  EXPECT_EQ(store_->find_account(beta)->balance, kFunds - 1500 * 2);
  auto rows = store_->ledger(acme);
  ASSERT_EQ(rows.size(), 1u + 3000 + 1);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GT(rows[i].id, rows[i - 1].id);
    EXPECT_EQ(rows[i].balance_after, rows[i - 1].balance_after + rows[i].amount) << i;
  }
  expect_consistent(*store_, acme, {"req_lone"});
  std::int64_t rolled = 0;
  for (const auto& p : store_->usage_series({std::nullopt, 0, INT64_MAX / 2, true}))
    rolled += p.requests;
  EXPECT_EQ(rolled, 4500);
}

// Calls that each pay their own charge and nothing else (PostgreSQL writes such a batch with a
// leaner statement): two accounts interleaved, free and failed calls, an unknown account's call,
// two models over two hours, outputs kept by their calls.
TEST_P(BatchStoreContract, CommitsCallsPayingTheirOwnChargesAcrossAccountsModelsAndHours) {
  std::string acme = new_account("acme", kFunds);
  std::string beta = new_account("beta", kFunds);
  constexpr std::int64_t kHour = 3'600'000;
  const std::int64_t now = call_record("req_now", acme, 0).created_at;
  const std::int64_t start = now - now % kHour - 2 * kHour + 1000;
  WriteBatch batch;
  std::map<std::string, std::vector<std::string>> charged;  // account -> its charges in order
  std::map<std::string, NanoUsd> spent;
  struct Point {
    std::int64_t requests = 0, errors = 0;
    NanoUsd cost = 0;
  };
  std::map<std::tuple<std::string, std::int64_t, std::string>, Point> expected;
  for (int i = 0; i < 60; ++i) {
    const std::string& account = i % 3 ? acme : beta;
    UsageRecord u = call_record("req_" + std::to_string(i), account, i % 5 ? i : 0,
                                start + (i < 30 ? 0 : kHour) + i);
    u.model = i % 2 ? "glm-a" : "glm-b";
    if (i % 7 == 0) {
      u.status = 502;
      u.cost = 0;
    }
    if (i % 4 == 0) {
      batch.outputs.push_back(output_of(u, "chatcmpl-" + std::to_string(i)));
      batch.calls.push_back({u, std::nullopt, static_cast<std::int64_t>(batch.outputs.size() - 1)});
    } else {
      batch.calls.push_back({u, std::nullopt});
    }
    if (u.cost > 0) {
      batch.calls.back().charge = charge_of(u, i % 2 ? "srv_a" : "srv_b");
      charged[account].push_back(u.request_id);
      spent[account] += u.cost;
    }
    Point& p = expected[{account, u.created_at - u.created_at % kHour, u.model}];
    ++p.requests;
    p.errors += u.status >= 400;
    p.cost += u.cost;
  }
  UsageRecord nobody = call_record("req_nobody", "acct_nobody", 4, start);
  batch.calls.push_back({nobody, charge_of(nobody)});
  store_->commit(batch);

  for (const std::string& account : {acme, beta}) {
    EXPECT_EQ(store_->find_account(account)->balance, kFunds - spent[account]);
    auto rows = store_->ledger(account);
    ASSERT_EQ(rows.size(), 1 + charged[account].size());
    for (std::size_t i = 0; i < charged[account].size(); ++i)  // in the batch's order
      EXPECT_EQ(rows[i + 1].request_id, charged[account][i]);
    expect_consistent(*store_, account);
    for (const auto& p : store_->usage_series({account, 0, INT64_MAX / 2, false})) {
      auto it = expected.find({account, p.bucket_ms, p.model});
      ASSERT_NE(it, expected.end()) << p.bucket_ms << " " << p.model;
      EXPECT_EQ(p.requests, it->second.requests) << p.model;
      EXPECT_EQ(p.errors, it->second.errors) << p.model;
      EXPECT_EQ(p.cost, it->second.cost) << p.model;
      expected.erase(it);
    }
  }
  EXPECT_TRUE(expected.empty()) << expected.size() << " points of the rollups missing";
  for (const auto& o : batch.outputs)
    EXPECT_EQ(store_->find_output(o.id)->body, o.body) << o.id;
  // A charge on an unknown account is dropped; its call's record stays.
  EXPECT_EQ(store_->usage({std::string("acct_nobody"), std::nullopt, false, false, 10}).size(), 1u);
  EXPECT_TRUE(store_->ledger("acct_nobody").empty());
}

TEST_P(BatchStoreContract, WritesAChargeThatIsNotItsCallsAsAChargeOfItsOwn) {
  std::string acme = new_account("acme", kFunds);
  std::string beta = new_account("beta", kFunds);
  UsageRecord wrong_amount = call_record("req_1", acme, 10);
  LedgerEntry seven = charge_of(wrong_amount);
  seven.amount = -7;
  UsageRecord wrong_account = call_record("req_2", acme, 5);
  LedgerEntry on_beta = charge_of(wrong_account);
  on_beta.account_id = beta;
  UsageRecord nobody = call_record("req_3", "acct_nobody", 5);
  WriteBatch batch;
  batch.calls = {{wrong_amount, seven}, {wrong_account, on_beta}, {nobody, charge_of(nobody)}};
  store_->commit(batch);
  EXPECT_EQ(store_->find_account(acme)->balance, kFunds - 7);
  EXPECT_EQ(store_->find_account(beta)->balance, kFunds - 5);
  EXPECT_EQ(store_->ledger(acme).back().amount, -7);
  EXPECT_EQ(store_->ledger(beta).back().request_id, "req_2");
  expect_consistent(*store_, acme);
  expect_consistent(*store_, beta, {"req_2"});
  // A charge on an unknown account is dropped; its call's record stays.
  EXPECT_EQ(store_->usage({std::string("acct_nobody"), std::nullopt, false, false, 10}).size(), 1u);
}

TEST_P(BatchStoreContract, FindsEveryOutputAsGivenWhateverPairingTheBatchNames) {
  std::string acme = new_account("acme", kFunds);
  std::vector<UsageRecord> calls;
  std::vector<StoredOutput> outputs;
  for (int i = 0; i < 4; ++i) {
    calls.push_back(call_record("req_" + std::to_string(i), acme, 3));
    outputs.push_back(output_of(calls.back(), "chatcmpl-" + std::to_string(i)));
  }
  outputs[3].model = "another";  // differs from its call's record
  WriteBatch batch;
  batch.outputs = {outputs[0], outputs[1], outputs[2], outputs[3]};
  batch.calls = {{calls[0], charge_of(calls[0]), 1},   // names another call's output
                 {calls[1], charge_of(calls[1]), 1},   // its own
                 {calls[2], charge_of(calls[2]), 9},   // nothing there
                 {calls[3], charge_of(calls[3]), 3}};  // its own, but unlike its record
  store_->commit(batch);
  for (const auto& o : outputs) {
    auto found = store_->find_output(o.id);
    ASSERT_TRUE(found) << o.id;
    EXPECT_EQ(found->model, o.model) << o.id;
    EXPECT_EQ(found->body, o.body) << o.id;
    EXPECT_EQ(found->account_id, acme) << o.id;
  }
  expect_consistent(*store_, acme);
}

TEST_P(BatchStoreContract, KeepsACallOutputsFirstAndATaskOutputsLastVersion) {
  std::string acme = new_account("acme", kFunds);
  UsageRecord call = call_record("req_1", acme, 0);
  StoredOutput first = output_of(call, "chatcmpl-1");
  StoredOutput task = first;
  task.id = "resp_task";
  task.status = "failed";
  WriteBatch one;
  one.outputs = {first};
  one.task_outputs = {task};
  one.tasks = {task_record("resp_task", acme, task_status::kFailed)};
  store_->commit(one);
  WriteBatch two;
  StoredOutput again = first;
  again.body = R"({"again":true})";
  task.status = "completed";
  two.outputs = {again};  // the same ID again: kept as it was, and the batch still commits
  two.task_outputs = {task};
  two.tasks = {task_record("resp_task", acme, task_status::kCompleted)};
  UsageRecord paid = call_record("req_2", acme, 5);
  two.calls = {{paid, charge_of(paid)}};
  store_->commit(two);
  EXPECT_EQ(store_->find_output("chatcmpl-1")->body, first.body);
  EXPECT_EQ(store_->find_output("resp_task")->status, "completed");
  EXPECT_EQ(store_->find_task("resp_task")->status, "completed");
  EXPECT_EQ(store_->find_account(acme)->balance, kFunds - 5);
}

TEST_P(BatchStoreContract, TwoWritersCommittingAtOnceKeepTheBalanceTheLedgerSum) {
  std::string acme = new_account("acme", kFunds);
  constexpr int kBatches = 20;
  constexpr int kCalls = 25;
  auto writer = [&](int w) {
    auto store = open_another();
    for (int b = 0; b < kBatches; ++b) {
      WriteBatch batch;
      for (int i = 0; i < kCalls; ++i) {
        UsageRecord u = call_record(
            "req_" + std::to_string(w) + "_" + std::to_string(b) + "_" + std::to_string(i), acme,
            1 + w);
        batch.calls.push_back({u, charge_of(u, "srv_" + std::to_string(w))});
      }
      store->commit(batch);
    }
  };
  std::thread a(writer, 0), b(writer, 1);
  a.join();
  b.join();
  EXPECT_EQ(store_->find_account(acme)->balance, kFunds - kBatches * kCalls * (1 + 2));
  EXPECT_EQ(store_->ledger(acme).size(), 1u + 2 * kBatches * kCalls);
  expect_consistent(*store_, acme);
}

}  // namespace
}  // namespace glmgate
