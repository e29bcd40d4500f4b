// What the batching writer's commit costs a store per call, alone: one client commits batches of
// calls as a busy server's writer does (each call with its charge and its stored output, ids and
// bodies shaped as the gateway's), and the time each commit takes is divided by its calls. On an
// otherwise idle machine that time is the store's own CPU (PostgreSQL's backend, or SQLite's
// work in this process), which `make bench`'s rps figures only show mixed with everything else.
//   scripts/with_postgres.sh build/release/store_commit_bench postgres [calls] [batch]
//   build/release/store_commit_bench sqlite [calls] [batch]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "backends/store_factory.hpp"
#include "core/random.hpp"

using namespace glmgate;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_id(std::mt19937_64& rng, const char* prefix) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%016llx%08llx", prefix, static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffff));
  return buf;
}

WriteBatch make_batch(const std::string& account, int calls) {
  WriteBatch b;
  for (int i = 0; i < calls; ++i) {
    UsageRecord u;
    u.request_id = fast_id("req_", 24);  // as the HTTP session draws them
    u.key_id = "key_0123456789abcdef";
    u.account_id = account;
    u.model = "glm-5.2";
    u.served_model = "glm-5.2";
    u.provider = "zai";
    u.surface = "openai";
    u.status = 200;
    u.usage.prompt_tokens = 12;
    u.usage.completion_tokens = 9;
    u.cost = 1234;
    u.latency_us = 2100;
    u.ttft_us = 900;
    u.attempts = 1;
    u.created_at = now_ms();
    u.output_id = output_id("chatcmpl-");  // as the pipeline draws them
    StoredOutput o;
    o.id = u.output_id;
    o.account_id = account;
    o.key_id = u.key_id;
    o.surface = u.surface;
    o.model = u.model;
    o.status = "completed";
    o.body = R"({"created":1765000000,"finish_reason":"stop","message":{"role":"assistant",)"
             R"("content":"Hello! How can I help you today?"},"system_fingerprint":"fp"})";
    o.usage = u.usage;
    o.cost = u.cost;
    o.created_at = u.created_at;
    o.expires_at = u.created_at + 30LL * 24 * 3600 * 1000;
    LedgerEntry charge{0,       account,     "charge",    -u.cost, 0, u.request_id,
                       u.model, "srv_bench", u.created_at};
    b.outputs.push_back(std::move(o));
    b.calls.push_back({std::move(u), std::move(charge), static_cast<std::int64_t>(i)});
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: store_commit_bench postgres|sqlite|<store url> [calls] [batch]\n");
    return 2;
  }
  std::string url = argv[1];
  std::filesystem::path tmp;
  if (url == "postgres") {
    const char* pg = std::getenv("GLMGATE_TEST_POSTGRES_URL");
    if (!pg) {
      std::fprintf(stderr, "no GLMGATE_TEST_POSTGRES_URL: run under scripts/with_postgres.sh\n");
      return 2;
    }
    url = pg;
  } else if (url == "sqlite") {
    tmp = std::filesystem::temp_directory_path() / ("store_commit." + std::to_string(getpid()));
    std::filesystem::create_directories(tmp);
    url = "sqlite:" + (tmp / "bench.db").string();
  }
  const int total = argc > 2 ? std::atoi(argv[2]) : 200000;
  const int batch = argc > 3 ? std::atoi(argv[3]) : 2000;
  auto store = open_store(url);
  std::mt19937_64 rng(std::random_device{}());
  AccountRecord a;
  a.id = random_id(rng, "acct_");
  a.name = a.id;
  a.created_at = now_ms() / 1000;
  store->insert_account(a);
  LedgerEntry grant;
  grant.account_id = a.id;
  grant.kind = "grant";
  grant.amount = 1'000'000'000'000;
  grant.origin = "bench";
  store->append_ledger(grant);

  std::vector<double> per_call;  // us per call of each commit
  for (int done = 0; done < total; done += batch) {
    WriteBatch b = make_batch(a.id, batch);
    auto start = Clock::now();
    store->commit(b);
    per_call.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
                       batch);
  }
  auto balance = store->find_account(a.id)->balance;
  bool consistent =
      balance == grant.amount - 1234LL * (static_cast<long long>(per_call.size()) * batch);
  // The first tenth warms caches and grows the tables' first pages: left out.
  std::vector<double> kept(per_call.begin() + static_cast<long>(per_call.size() / 10),
                           per_call.end());
  std::sort(kept.begin(), kept.end());
  double sum = 0;
  for (double v : kept)
    sum += v;
  std::printf("%s: %d calls in batches of %d: commit %.2f us per call (median %.2f, p90 %.2f)%s\n",
              url.substr(0, url.find(':')).c_str(), total, batch, sum / kept.size(),
              kept[kept.size() / 2], kept[kept.size() * 9 / 10],
              consistent ? "" : "  BALANCE WRONG");
  store.reset();
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
  return consistent ? 0 : 1;
}
