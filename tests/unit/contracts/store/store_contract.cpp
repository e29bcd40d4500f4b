// The backends the store contract suite runs against, and its fixture; see store_contract.hpp.
#include "contracts/store/store_contract.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "backends/postgres/postgres_test_store.hpp"

namespace glmgate {

namespace {

// A directory of the running test's own, emptied first.
std::filesystem::path test_dir() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "." + test->name();
  std::replace(name.begin(), name.end(), '/', '_');
  auto dir = std::filesystem::temp_directory_path() /
             ("glmgate-contract-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace

// SQLite always; PostgreSQL when GLMGATE_TEST_POSTGRES_URL names a database (the ctest entry
// store_contract_postgres runs the suite under scripts/with_postgres.sh), each test in a schema
// of its own.
const std::vector<StoreBackend>& store_backends() {
  static const std::vector<StoreBackend> backends = [] {
    std::vector<StoreBackend> all = {
        {"sqlite", [] { return "sqlite:" + (test_dir() / "store.db").string(); },
         [](const std::string& url) {
           std::filesystem::remove_all(std::filesystem::path(url.substr(7)).parent_path());
         }},
    };
    for (auto& b : postgres_test_backends())
      all.push_back(std::move(b));
    return all;
  }();
  return backends;
}

KeyRecord key_record(const std::string& id, const std::string& account_id) {
  KeyRecord k;
  k.id = id;
  k.name = id;
  k.prefix = "sk-glm-" + id.substr(0, 4);
  k.hash = "hash-of-" + id;
  k.account_id = account_id;
  k.admin = account_id.empty();
  k.created_at = 1'700'000'000;
  return k;
}

UsageRecord call_record(const std::string& request_id, const std::string& account_id, NanoUsd cost,
                        std::int64_t created_at) {
  UsageRecord u;
  u.request_id = request_id;
  u.key_id = "key_1";
  u.account_id = account_id;
  u.model = "glm-test";
  u.provider = "fake";
  u.surface = "openai";
  u.status = 200;
  u.usage.prompt_tokens = 10;
  u.usage.completion_tokens = 20;
  u.cost = cost;
  u.created_at = created_at != 0 ? created_at
                                 : std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
  return u;
}

LedgerEntry charge_of(const UsageRecord& call, const std::string& origin) {
  return LedgerEntry{0,
                     call.account_id,
                     std::string(ledger_kind::kCharge),
                     -call.cost,
                     0,
                     call.request_id,
                     call.model,
                     origin,
                     call.created_at};
}

StoredOutput output_of(UsageRecord& call, const std::string& id, std::int64_t expires_at) {
  call.output_id = id;
  StoredOutput o;
  o.id = id;
  o.account_id = call.account_id;
  o.key_id = call.key_id;
  o.surface = call.surface;
  o.model = call.model;
  o.status = "completed";
  o.body = R"({"created":1,"finish_reason":"stop","message":{"content":")" + id + "\"}}";
  o.usage = call.usage;
  o.cost = call.cost;
  o.created_at = call.created_at;
  o.expires_at = expires_at;
  return o;
}

TaskRecord task_record(const std::string& id, const std::string& account_id,
                       std::string_view status) {
  TaskRecord t;
  t.id = id;
  t.account_id = account_id;
  t.key_id = "key_1";
  t.path = "/v1/chat/completions";
  t.body = R"({"model":"glm-test","messages":[]})";
  t.status = std::string(status);
  t.created_at = t.updated_at = 1000;
  return t;
}

std::string add_account(Store& store, const std::string& name, NanoUsd funds) {
  AccountRecord a;
  a.id = "acct_" + name;
  a.name = name;
  a.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  store.insert_account(a);
  if (funds != 0) {
    LedgerEntry grant;
    grant.account_id = a.id;
    grant.kind = std::string(ledger_kind::kGrant);
    grant.amount = funds;
    grant.origin = "test";
    store.append_ledger(grant);
  }
  return a.id;
}

InstallRows fill_install(Store& store) {
  InstallRows in;
  in.acme = add_account(store, "acme", 1'000'000);
  in.beta = add_account(store, "beta", 500'000);
  store.insert_key(key_record("key_acme", in.acme));
  store.insert_key(key_record("key_beta", in.beta));
  store.insert_key(key_record("key_admin", ""));
  store.revoke_key("key_beta");
  LedgerEntry adjust;
  adjust.account_id = in.beta;
  adjust.kind = std::string(ledger_kind::kAdjustment);
  adjust.amount = -1'000;
  adjust.note = "a correction";
  adjust.origin = "cli";
  store.append_ledger(adjust);

  WriteBatch batch;
  for (int i = 0; i < 5; ++i) {
    UsageRecord u =
        call_record("req_" + std::to_string(i), in.acme, 100 + i, 1'700'000'000'000 + i);
    CallWrite call{u, charge_of(u)};
    if (i < 3) {  // kept with their calls (SQLite keeps them in the calls' rows), expiring or not
      batch.outputs.push_back(output_of(call.usage, "chatcmpl-" + std::to_string(i),
                                        i == 0 ? 0 : 1'800'000'000'000 + i));
      call.output = static_cast<std::int64_t>(batch.outputs.size()) - 1;
      in.outputs.push_back(batch.outputs.back().id);
    }
    batch.calls.push_back(call);
  }
  UsageRecord b = call_record("req_beta", in.beta, 50, 1'700'000'000'100);
  batch.calls.push_back({b, charge_of(b)});
  UsageRecord task_run = call_record("task_1", in.acme, 70, 1'700'000'000'200);
  batch.charges.push_back(charge_of(task_run));  // a background task's charge: no call of it
  TaskRecord done = task_record("task_1", in.acme, task_status::kCompleted);
  done.output_id = "resp_task_1";
  done.http_status = 200;
  done.result = R"({"id":"resp_task_1"})";
  done.webhook = "delivered";
  done.expires_at = 1'900'000'000'000;
  batch.tasks.push_back(done);
  StoredOutput task_output = output_of(task_run, "resp_task_1", 1'900'000'000'000);
  task_output.surface = "responses";
  task_output.context = R"({"turn":[]})";
  batch.task_outputs.push_back(task_output);
  in.outputs.push_back(task_output.id);
  store.commit(batch);
  store.insert_task(task_record("task_2", in.beta, task_status::kQueued));
  store.set_setting(setting_name::kPaused, "1");
  store.set_webhook_secret(in.acme, "whsec_abc");
  // 2 grants, the adjustment, 6 calls' charges, the task's.
  in.counts = {.accounts = 2,
               .keys = 3,
               .revoked_keys = 1,
               .ledger = 10,
               .usage = 6,
               .outputs = 4,
               .tasks = 2,
               .settings = 1,
               .webhook_secrets = 1};
  return in;
}

std::string store_backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreContractTest::SetUp() {
  url_ = GetParam().make_url();
  store_ = open_store(url_);
}

void StoreContractTest::TearDown() {
  store_.reset();
  for (const auto& url : empty_urls_)
    GetParam().remove(url);
  GetParam().remove(url_);
}

std::unique_ptr<Store> StoreContractTest::open_empty() {
  // A SQLite store's folder is the test's own: another file beside the first.
  std::string url = url_.starts_with("sqlite:") ? url_.substr(0, url_.rfind('/') + 1) + "empty" +
                                                      std::to_string(empty_urls_.size()) + ".db"
                                                : GetParam().make_url();
  if (!url.starts_with("sqlite:")) empty_urls_.push_back(url);
  return open_store(url);
}

std::string StoreContractTest::new_account(const std::string& name, NanoUsd funds) {
  return add_account(*store_, name, funds);
}

NanoUsd StoreContractTest::ledger_sum(const std::string& account_id) {
  NanoUsd sum = 0;
  for (const auto& e : store_->ledger(account_id))
    sum += e.amount;
  return sum;
}

}  // namespace glmgate
