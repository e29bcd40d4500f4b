// Fakes of everything the pipeline stands on, and a rig that builds a Pipeline over them: an
// exchange without a socket, an adapter without an upstream, a wallet, limiter, health board and
// sinks that answer what a test tells them and count what they were asked. No sockets, no store,
// no threads: a test runs its coroutines on an io_context of its own.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <deque>
#include <functional>

#include "accounts/api_key.hpp"
#include "gateway/call.hpp"
#include "gateway/pipeline.hpp"
#include "surfaces/openai/openai_surface.hpp"

namespace glmgate::testing {

namespace asio = boost::asio;
namespace json = boost::json;

// Runs `task` to its end on a fresh io_context; rethrows what it threw.
inline void run(asio::awaitable<void> task) {
  asio::io_context io;
  std::exception_ptr failed;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) { failed = e; });
  io.run();
  if (failed) std::rethrow_exception(failed);
}

class FakeExchange final : public Exchange {
 public:
  explicit FakeExchange(HttpRequest request) : request_(std::move(request)) {}

  const HttpRequest& request() const override { return request_; }
  const std::string& request_id() const override { return request_id_; }
  std::chrono::steady_clock::time_point received_at() const override { return received_at_; }
  asio::awaitable<void> respond(HttpResponse response) override {
    if (on_answer) on_answer();
    response_ = std::move(response);
    co_return;
  }
  asio::awaitable<bool> begin_stream(int status, Headers headers) override {
    stream_status = status;
    stream_headers = std::move(headers);
    co_return true;
  }
  asio::awaitable<bool> write(std::string_view data) override {
    if (leave_after_writes == 0) {
      leave();
      co_return false;
    }
    --leave_after_writes;
    streamed.append(data);
    co_return true;
  }
  asio::awaitable<void> end_stream() override {
    if (on_answer) on_answer();
    ended = true;
    co_return;
  }
  asio::awaitable<void> drain_writes() override { co_return; }
  void watch_client(std::function<void()> on_closed) override { on_closed_ = std::move(on_closed); }
  void unwatch_client() override { on_closed_ = nullptr; }
  std::chrono::steady_clock::time_point last_write() const override { return received_at_; }

  // The client goes away.
  void leave() {
    if (auto f = std::move(on_closed_)) f();
  }
  const std::optional<HttpResponse>& response() const { return response_; }

  std::function<void()> on_answer;  // called as the answer (or a stream's end) goes out
  int leave_after_writes = 1 << 30;
  int stream_status = 0;
  Headers stream_headers;
  std::string streamed;
  bool ended = false;

 private:
  HttpRequest request_;
  std::string request_id_ = "req_test";
  std::chrono::steady_clock::time_point received_at_ = std::chrono::steady_clock::now();
  std::optional<HttpResponse> response_;
  std::function<void()> on_closed_;
};

// What the fake upstream does for each call.
struct FakeScript {
  std::optional<ApiError> open_error;
  // Answered by the next calls' open(), one each, before open_error.
  mutable std::deque<ApiError> open_errors;
  std::string response = R"({"id":"up-1","object":"chat.completion","model":"up-model",)"
                         R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},)"
                         R"("finish_reason":"stop"}],)"
                         R"("usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}})";
  std::vector<std::string> chunks = {
      R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})",
      R"({"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]})",
      R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}})"};
};

class FakeAdapter final : public ProviderAdapter {
 public:
  std::unique_ptr<ProviderCall> call(CallContext, json::object& request,
                                     bool stream) const override {
    ++calls;
    last_request = request;
    if (auto it = request.find("max_tokens"); it != request.end() && it->value().is_int64())
      max_tokens_sent.push_back(it->value().get_int64());
    return std::make_unique<Call>(*this);
  }

  FakeScript script;
  mutable int calls = 0;
  mutable int aborted = 0;
  mutable json::object last_request;
  mutable std::vector<std::int64_t> max_tokens_sent;  // each call's

 private:
  class Call final : public ProviderCall {
   public:
    explicit Call(const FakeAdapter& adapter) : adapter_(adapter) {
      for (const auto& c : adapter.script.chunks)
        chunks_.push_back(c);
    }
    asio::awaitable<std::optional<ApiError>> open() override {
      if (!adapter_.script.open_errors.empty()) {
        ApiError e = adapter_.script.open_errors.front();
        adapter_.script.open_errors.pop_front();
        co_return e;
      }
      co_return adapter_.script.open_error;
    }
    asio::awaitable<Result<json::object>> response(json::storage_ptr storage) override {
      co_return json::parse(adapter_.script.response, storage).as_object();
    }
    asio::awaitable<StreamItem> next() override {
      StreamItem item;
      if (aborted_ || chunks_.empty()) {
        item.kind = aborted_ ? StreamItem::Kind::error : StreamItem::Kind::end;
        item.error = ApiError::upstream("aborted");
        co_return item;
      }
      item.kind = StreamItem::Kind::chunk;
      item.chunk = json::parse(chunks_.front()).as_object();
      chunks_.pop_front();
      co_return item;
    }
    asio::awaitable<void> recycle() override { co_return; }
    void abort() override {
      aborted_ = true;
      ++adapter_.aborted;
    }

   private:
    const FakeAdapter& adapter_;
    std::deque<std::string> chunks_;
    bool aborted_ = false;
  };
};

// Answers every try_* with `answer` (a Kind); when that is `pending`, the awaitable form answers
// `after_wait`.
template <class Kind>
struct Script {
  Kind answer = Kind::granted;
  Kind after_wait = Kind::granted;
};

template <class D>
D decide(typename D::Kind kind, ApiError refusal) {
  switch (kind) {
    case D::Kind::granted:
      return D::granted({});
    case D::Kind::refused:
      return D::refused(std::move(refusal));
    case D::Kind::unavailable:
      return D::unavailable("The fake backend is down.");
    default:
      return D::pending();
  }
}

class FakeLimiter final : public RateLimiter {
 public:
  Admission try_admit(const KeyInfo&, const KeyLimits&, Headers& headers) override {
    ++asked;
    headers.push_back({"x-ratelimit-limit-requests", "60"});
    return decide<Admission>(script.answer, ApiError::rate_limited("Over."));
  }
  asio::awaitable<Admission> admit(const KeyInfo&, const KeyLimits&, Headers&) override {
    ++awaited;
    co_return decide<Admission>(script.after_wait, ApiError::rate_limited("Over."));
  }
  void release(const KeyInfo&, const KeyLimits&) override { ++released; }
  void add_tokens(const KeyInfo&, const KeyLimits&, std::int64_t tokens) override {
    counted_tokens += tokens;
  }

  Script<Admission::Kind> script;
  int asked = 0, awaited = 0, released = 0;
  std::int64_t counted_tokens = 0;
};

class FakeWallet final : public Wallet {
 public:
  HoldDecision try_hold(const KeyInfo&, const std::string&, NanoUsd amount) override {
    ++asked;
    held_amount = amount;
    return held(script.answer);
  }
  asio::awaitable<HoldDecision> hold(const KeyInfo&, const std::string&, NanoUsd amount) override {
    ++awaited;
    held_amount = amount;
    co_return held(script.after_wait);
  }
  Settlement settle(const KeyInfo&, const std::string&, const Reservation&, NanoUsd cost,
                    const std::string& request_id) override {
    ++settled;
    charged += cost;
    Settlement s;
    s.charged = cost;
    if (cost > 0) {
      s.entry.emplace();
      s.entry->amount = -cost;
      s.entry->request_id = request_id;
    }
    return s;
  }
  void release(const KeyInfo&, const std::string&, const Reservation&) override { ++released; }
  NanoUsd spent(const std::string&) const override { return 0; }

  Script<HoldDecision::Kind> script;
  int asked = 0, awaited = 0, settled = 0, released = 0;
  NanoUsd held_amount = 0, charged = 0;

 private:
  HoldDecision held(HoldDecision::Kind kind) {
    HoldDecision d = decide<HoldDecision>(
        kind, ApiError{402, "insufficient_quota", "insufficient_quota", "Too low.", {}});
    if (d) d.value() = Reservation{held_amount, true, false};
    return d;
  }
};

class FakeHealthBoard final : public HealthBoard {
 public:
  BreakerState state(std::string_view) const override { return breaker; }
  void record(std::string_view deployment, const CallOutcome& outcome) override {
    outcomes.emplace_back(std::string(deployment), outcome);
  }
  BreakerState breaker = BreakerState::closed;
  std::vector<std::pair<std::string, CallOutcome>> outcomes;
};

class FakeUsageSink final : public UsageSink {
 public:
  void record(UsageRecord record, std::optional<LedgerEntry> charge, OutputSlot) override {
    records.push_back(std::move(record));
    charges.push_back(std::move(charge));
  }
  std::vector<UsageRecord> records;
  std::vector<std::optional<LedgerEntry>> charges;
};

class FakeOutputSink final : public OutputSink {
 public:
  bool enabled() const override { return true; }
  OutputSlot keep(StoredOutput output, std::optional<TaskRecord>) override {
    kept.push_back(std::move(output));
    return {};
  }
  std::vector<StoredOutput> kept;
};

// A pipeline over the fakes with one funded key and three models: "m" (tools, max 100 output
// tokens, $1 / $2 per 1M tokens in and out), "plain" (no tools), both on provider "fake", and
// "pair", m with two deployments on "fake"; "chain", m falling back to "small" (max 20 output
// tokens) and then to m.
class PipelineRig {
 public:
  static constexpr std::string_view kSecret = "sk-glm-testsecret0123456789";

  PipelineRig() : catalog_(config()), pipeline_(parts()) {
    registry_.add("fake", std::unique_ptr<ProviderAdapter>(adapter_ = new FakeAdapter));
    KeyRecord key;
    key.id = "key_t";
    key.name = "t";
    key.prefix = "sk-glm-test";
    key.hash = to_hex(sha256(kSecret));
    key.account_id = "acct_t";
    key.rev = 1;
    keys_.apply({key});
  }

  // A POST of `body` to /v1/chat/completions with the key.
  static HttpRequest chat(std::string body, std::string_view secret = kSecret) {
    HttpRequest r;
    r.method = "POST";
    r.path = r.target = "/v1/chat/completions";
    r.headers.push_back({"authorization", "Bearer " + std::string(secret)});
    r.headers.push_back({"content-type", "application/json"});
    r.body = std::move(body);
    return r;
  }

  void generate(FakeExchange& exchange) { run(pipeline_.generate(surface_, exchange)); }
  void run_task(FakeExchange& exchange, TaskRun& task) {
    run(pipeline_.run_task(surface_, exchange, keys_.find(kSecret), task));
  }

  // A Call as the pipeline makes one after authentication, for tests of single steps.
  std::unique_ptr<Call> call(FakeExchange& exchange) {
    auto call = std::make_unique<Call>(parts_, surface_, exchange);
    call->key = keys_.find(kSecret);
    return call;
  }

  FakeAdapter& adapter() { return *adapter_; }
  const Pipeline& pipeline() const { return pipeline_; }
  FakeLimiter limiter;
  FakeWallet wallet;
  FakeHealthBoard health;
  FakeUsageSink usage;
  FakeOutputSink outputs;
  PauseSwitch pause;
  ProviderRegistry& registry() { return registry_; }

 private:
  const Config& config() {
    config_.default_max_tokens = 50;
    ProviderConfig p;
    p.name = "fake";
    config_.providers = {p};
    ModelConfig m;
    m.id = "m";
    m.provider = "fake";
    m.max_output_tokens = 100;
    m.input_price_per_mtok = kNanoPerUsd;
    m.output_price_per_mtok = 2 * kNanoPerUsd;
    ModelConfig plain = m;
    plain.id = "plain";
    plain.tools = false;
    ModelConfig pair = m;  // two deployments, both on the fake
    pair.id = "pair";
    pair.deployments = {{"fake", "up-1", 1}, {"fake", "up-2", 1}};
    ModelConfig small = m;  // a fallback with a smaller output cap
    small.id = "small";
    small.max_output_tokens = 20;
    ModelConfig chain = m;  // falls back to small, then to m
    chain.id = "chain";
    chain.fallbacks = {"small", "m"};
    config_.models = {m, plain, pair, small, chain};
    return config_;
  }
  PipelineParts parts() {
    return PipelineParts{keys_,  catalog_, registry_, health, limiter,
                         wallet, usage,    pause,     outputs};
  }

  Config config_;
  Catalog catalog_;
  ProviderRegistry registry_;
  FakeAdapter* adapter_ = nullptr;
  KeyCache keys_;
  openai::OpenAiSurface surface_;
  PipelineParts parts_ = parts();
  Pipeline pipeline_;
};

}  // namespace glmgate::testing
