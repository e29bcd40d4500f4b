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
  AccountRecord a;
  a.id = "acct_" + name;
  a.name = name;
  a.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  store_->insert_account(a);
  if (funds != 0) {
    LedgerEntry grant;
    grant.account_id = a.id;
    grant.kind = std::string(ledger_kind::kGrant);
    grant.amount = funds;
    grant.origin = "test";
    store_->append_ledger(grant);
  }
  return a.id;
}

NanoUsd StoreContractTest::ledger_sum(const std::string& account_id) {
  NanoUsd sum = 0;
  for (const auto& e : store_->ledger(account_id))
    sum += e.amount;
  return sum;
}

}  // namespace glmgate
