// The request pipeline; see pipeline.hpp. A stream is one coroutine, the relay (upstream chunks
// to the client), plus two callbacks: a watcher on the client socket that cancels the upstream
// call when the client goes away, and a keep-alive timer that pings while the upstream is silent.
#include "gateway/pipeline.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <boost/json/serialize.hpp>
#include <memory>

#include "canonical/completion_accumulator.hpp"
#include "canonical/json_checks.hpp"
#include "core/random.hpp"
#include "gateway/pricing.hpp"
#include "limits/tiers.hpp"
#include "outputs/stored_completion.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::int64_t estimate_tokens(std::size_t characters) {
  return static_cast<std::int64_t>((characters + 2) / 3);
}

namespace {

constexpr int kClientClosedStatus = 499;  // nginx's "client closed request", for records

// The characters generated in a chunk's deltas (`part` "delta") or an answer's messages
// ("message"): what an estimate counts when the upstream reports no usage.
std::size_t generated_chars(const json::object& completion, std::string_view part) {
  std::size_t n = 0;
  auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->value().is_array()) return 0;
  for (const auto& c : choices->value().get_array()) {
    if (!c.is_object()) continue;
    auto it = c.get_object().find(part);
    if (it == c.get_object().end() || !it->value().is_object()) continue;
    const auto& d = it->value().get_object();
    n += string_or_empty(d, "content").size() + string_or_empty(d, "reasoning_content").size();
    for (const auto& call : tool_calls_of(d))
      n += call.name.size() + call.arguments.size();
  }
  return n;
}

}  // namespace

// Everything one generation request carries between the steps.
struct Call {
  Call(const PipelineParts& p, const Surface& s, Exchange& e) : parts(p), surface(s), exchange(e) {}
  const PipelineParts& parts;
  // The request's JSON arena: the canonical request and a non-streamed response are built in it
  // and freed at once with the call, instead of one malloc per node.
  json::monotonic_resource arena{4096};
  const Surface& surface;
  Exchange& exchange;
  std::shared_ptr<const KeyInfo> key;
  TaskRun* task = nullptr;  // a background task's run
  std::string output_id;    // the ID the client sees and the output is kept under
  const ModelConfig* model = nullptr;
  CanonicalRequest request{json::object(json::storage_ptr(&arena))};
  Headers extra_headers;
  KeyLimits limits;
  // Counted against the key's limits: its tokens are added at the end, and it holds a
  // concurrency slot when limits.max_concurrency is set.
  bool admitted = false;
  Reservation reservation;
  bool reserved = false;
  ConcurrencyGate* gate = nullptr;  // a held provider slot
  UsageRecord record;
  OutputSlot output_slot;  // where the output sink holds the call's output, for the usage sink
  std::optional<LedgerEntry> charge;  // settled, queued with the record
  std::unique_ptr<ProviderCall> upstream;
  bool stream_opened = false;
  bool settled = false;
  std::size_t history_chars = 0;  // what previous_response_id added to the prompt
  std::int64_t choices = 1;       // n: each may generate up to max_tokens
  // Stored output: the answer, and the Responses turn and echo (kept only when storing).
  bool keep = false;
  bool submitted = false;  // queued as a background task: the task's run records the usage
  std::string answer;
  std::string finish;  // the non-streamed answer's finish reason  // the canonical completion, JSON
                       // (non-streamed)
  std::optional<CompletionAccumulator> accumulated;  // streamed
  std::string context;
  // Stream state.
  std::optional<Usage> usage;
  std::size_t generated_chars = 0;
  bool edited = false;  // the answer differs from the upstream's text beyond its id and model
  bool client_gone = false;
  std::optional<Clock::time_point> first_token;
};

namespace {

asio::awaitable<void> send_error(Call& call, const ApiError& error) {
  call.record.status = error.status;
  if (error.status >= 500)
    spdlog::warn("request {}: {} {}: {}", call.record.request_id, error.status, error.code,
                 error.message);
  HttpResponse r = call.surface.render_error(error);
  for (auto& h : call.extra_headers)
    r.headers.push_back(h);
  co_await call.exchange.respond(std::move(r));
}

std::optional<ApiError> validate_against_model(Call& call, std::int64_t default_max_tokens) {
  auto& body = call.request.body;
  const ModelConfig& model = *call.model;
  if (auto it = body.find("tools"); it != body.end() && !model.tools) {
    bool empty =
        it->value().is_null() || (it->value().is_array() && it->value().get_array().empty());
    if (!empty)
      return ApiError::unsupported_parameter("The model `" + model.id + "` does not support tools.",
                                             "tools");
    body.erase("tools");
    body.erase("tool_choice");
  }
  std::int64_t cap = model.max_output_tokens;
  std::int64_t max_tokens = std::min(default_max_tokens, cap);
  // The surfaces refuse a bad bound in their own words; this backstop never throws on a number
  // and never sends a non-positive bound (-1 is "unlimited" to llama.cpp).
  if (auto it = body.find("max_tokens"); it != body.end() && !it->value().is_null()) {
    auto bound = token_bound(it->value(), "max_tokens");
    if (!bound) return bound.error();
    max_tokens = std::min(*bound, cap);
  }
  body["max_tokens"] = std::max<std::int64_t>(1, max_tokens);
  auto choices = requested_choices(body);
  if (!choices) return choices.error();
  call.choices = *choices;
  return std::nullopt;
}

// Cancels the upstream call when the client goes away; the exchange calls back on this
// connection's thread.
void watch_client(Call& call) {
  call.exchange.watch_client([&call] {
    call.client_gone = true;
    call.upstream->abort();
  });
}

// The upstream call's outcome as a value: an exception here must not leave the watcher armed on
// a call that is being unwound.
asio::awaitable<Result<json::object>> call_unary(Call& call) {
  try {
    if (auto err = co_await call.upstream->open()) co_return *err;
    co_return co_await call.upstream->response(json::storage_ptr(&call.arena));
  } catch (const std::exception& e) {
    co_return ApiError::internal(std::string("upstream call failed: ") + e.what());
  }
}

asio::awaitable<std::optional<ApiError>> open_stream(Call& call) {
  try {
    co_return co_await call.upstream->open();
  } catch (const std::exception& e) {
    co_return ApiError::internal(std::string("upstream call failed: ") + e.what());
  }
}

// Usage for the record and the charge: the upstream's, or an estimate when it sent none but
// generated something (a client that left mid-stream pays for the prompt and what was produced).
void finish_usage(Call& call) {
  if (call.usage) {
    call.record.usage = *call.usage;
  } else if (call.generated_chars > 0 || (call.client_gone && call.stream_opened)) {
    call.record.usage.prompt_tokens = call.request.prompt_estimate;
    call.record.usage.completion_tokens = estimate_tokens(call.generated_chars);
    call.record.usage.estimated = true;
  }
}

std::string_view output_status(const Call& call, std::string_view finish) {
  if (call.task && call.task->cancelled) return task_status::kCancelled;
  if (call.client_gone) return "incomplete";
  if (call.record.status != 200) return task_status::kFailed;
  if (finish == "length" || finish == "content_filter") return "incomplete";
  return task_status::kCompleted;
}

// Hands the answer to the output store (or, for a task, back to its runner), before the client
// has it all, so a GET right after finds it.
void keep_output(Call& call) {
  if (!call.keep || !call.model) return;
  StoredOutput o;
  std::string finish;
  if (call.accumulated) {
    if (!call.stream_opened) return;
    finish = std::string(call.accumulated->finish_reason());
    o.body = compact_completion(call.accumulated->completion(call.usage));
  } else if (!call.answer.empty()) {
    finish = call.finish;
    o.body = std::move(call.answer);
  } else {
    return;  // no answer: the error went to the client, nothing was generated
  }
  o.id = call.output_id;
  o.account_id = call.key->account_id;
  o.key_id = call.key->id;
  o.surface = std::string(call.surface.name());
  o.model = call.model->id;
  o.status = std::string(output_status(call, finish));
  o.context = std::move(call.context);
  o.previous_id = call.request.previous_response_id;
  o.usage = call.record.usage;
  o.cost = call.record.cost;
  if (call.task) {
    call.task->output = std::move(o);
  } else {
    call.record.output_id = o.id;
    call.output_slot = call.parts.outputs.keep(std::move(o), std::nullopt);
  }
}

// Frees the call's slots, charges what was generated (a full refund when the generation failed)
// and counts its tokens against the key's limit. Runs once: just before the last byte reaches a
// client that got an answer, otherwise when the call ends.
void settle(Call& call) {
  if (call.settled) return;
  call.settled = true;
  if (call.gate) call.gate->release();
  if (call.admitted) call.parts.limiter.release(*call.key, call.limits);
  if (!call.reserved) return;
  finish_usage(call);
  // A generation that failed upstream is not the client's to pay; one it abandoned is.
  bool billable = call.record.status == 200 || call.client_gone;
  NanoUsd cost = billable ? price_usage(*call.model, call.record.usage) : 0;
  Settlement s = call.parts.wallet.settle(*call.key, call.model->id, call.reservation, cost,
                                          call.record.request_id);
  call.record.cost = s.charged;
  call.record.free = s.free;
  call.charge = std::move(s.entry);
  if (call.admitted)
    call.parts.limiter.add_tokens(
        *call.key, call.limits,
        call.record.usage.prompt_tokens + call.record.usage.completion_tokens);
  keep_output(call);
}

// One upstream item into the client's bytes. A plain function: relay()'s frame, which a waiting
// stream keeps, then holds none of its temporaries.
void encode_item(Call& call, StreamEncoder& encoder, StreamItem& item, std::string& out) {
  switch (item.kind) {
    case StreamItem::Kind::chunk:
      if (!call.first_token) call.first_token = Clock::now();
      item.chunk["model"] = call.model->id;
      item.chunk["id"] = call.output_id;
      if (auto u = read_usage(item.chunk)) call.usage = u;
      call.generated_chars += generated_chars(item.chunk, "delta");
      if (call.accumulated) call.accumulated->add(item.chunk);
      encoder.chunk(item.chunk, out);
      break;
    case StreamItem::Kind::end:
      finish_usage(call);  // the client is told the tokens it is charged for, estimates too
      encoder.done(call.record.usage.estimated ? call.record.usage : call.usage, out);
      call.record.status = 200;
      settle(call);  // before the client sees the end, so its next request sees the charge
      break;
    case StreamItem::Kind::error:
      encoder.error(item.error, out);
      call.record.status = item.error.status;
      spdlog::warn("request {}: upstream failed mid-stream: {}", call.record.request_id,
                   item.error.message);
      break;
  }
}

void log_relay_failure(Call& call, const std::exception& e) {
  spdlog::error("request {}: stream relay failed: {}", call.record.request_id, e.what());
}

asio::awaitable<void> relay(Call& call, StreamEncoder& encoder) {
  try {
    for (;;) {
      StreamItem item = co_await call.upstream->next();
      if (item.kind == StreamItem::Kind::error && call.client_gone) co_return;
      std::string out;
      encode_item(call, encoder, item, out);
      if (!out.empty() && !co_await call.exchange.write(out)) {
        call.client_gone = true;
        call.upstream->abort();
        co_return;
      }
      if (item.kind != StreamItem::Kind::chunk) co_return;
    }
  } catch (const std::exception& e) {
    log_relay_failure(call, e);
    call.upstream->abort();
    if (!call.record.status) call.record.status = 500;
  }
}

// Sends the encoder's ping when the stream has been silent for `interval`. A timer callback, not
// a coroutine: ten thousand quiet streams then cost a timer each. Owned by a shared_ptr that the
// pending wait holds, so a wait completing after stop() touches nothing else.
class KeepAlive : public std::enable_shared_from_this<KeepAlive> {
 public:
  KeepAlive(const asio::any_io_executor& ex, Call& call, StreamEncoder& encoder,
            std::chrono::milliseconds interval)
      : timer_(ex), call_(call), encoder_(encoder), interval_(interval) {}

  void start() { arm(); }
  void stop() {
    active_ = false;
    timer_.cancel();
  }

 private:
  void arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !self->active_) return;
      if (!self->pinging_ && Clock::now() - self->call_.exchange.last_write() >= self->interval_) {
        self->pinging_ = true;
        asio::co_spawn(self->timer_.get_executor(), self->ping(), asio::detached);
      }
      self->arm();
    });
  }

  asio::awaitable<void> ping() {
    auto self = shared_from_this();
    bool ok = false;
    try {
      ok = co_await call_.exchange.write(encoder_.ping());
    } catch (const std::exception&) {
    }
    pinging_ = false;
    if (!ok && active_) {
      call_.client_gone = true;
      call_.upstream->abort();
    }
  }

  asio::steady_timer timer_;
  Call& call_;
  StreamEncoder& encoder_;
  std::chrono::milliseconds interval_;
  bool active_ = true;
  bool pinging_ = false;
};

// The answer's body. Where the surface answers with the canonical response and the upstream's
// text is that response but for its id and model, the text goes out with those two replaced:
// serializing the whole response again cost a twentieth of a request's CPU.
std::string encode_answer(Call& call, json::object& response) {
  const UpstreamText* text =
      call.surface.answers_canonical() && !call.edited ? call.upstream->text() : nullptr;
  if (!text) return call.surface.encode_response(response, call.request);
  const std::string_view values[] = {call.output_id, call.model->id};  // kUpstreamTextKeys
  return replace_string_values(text->body, text->spans, values);
}

asio::awaitable<void> dispatch_unary(Call& call) {
  watch_client(call);
  Result<json::object> result = co_await call_unary(call);
  call.exchange.unwatch_client();
  if (call.client_gone) {
    call.record.status = kClientClosedStatus;
    co_return;
  }
  if (!result) {
    co_await send_error(call, result.error());
    co_return;
  }
  auto& response = result.value();
  response["model"] = call.model->id;
  response["id"] = call.output_id;
  if (auto u = read_usage(response)) {
    call.usage = u;
  } else {
    // An answer without usage is charged an estimate, as a stream is, and the client is told it.
    Usage estimate;
    estimate.prompt_tokens = call.request.prompt_estimate;
    estimate.completion_tokens = estimate_tokens(generated_chars(response, "message"));
    estimate.estimated = true;
    call.usage = estimate;
    response["usage"] = usage_to_json(estimate);
    call.edited = true;
  }
  if (const json::object* choice = first_choice(response))
    call.finish = std::string(string_or_empty(*choice, "finish_reason"));
  call.first_token = Clock::now();
  HttpResponse r;
  r.body = encode_answer(call, response);
  if (call.keep) call.answer = compact_completion(response);
  r.headers = std::move(call.extra_headers);  // the answer is the call's last use of them
  call.record.status = 200;
  settle(call);  // before the client sees the answer, so its next request sees the charge
  co_await call.exchange.respond(std::move(r));
}

asio::awaitable<void> dispatch_stream(Call& call, std::chrono::milliseconds ping_interval) {
  watch_client(call);
  std::optional<ApiError> open_error = co_await open_stream(call);
  if (call.client_gone || open_error) {
    call.exchange.unwatch_client();
    if (call.client_gone)
      call.record.status = kClientClosedStatus;
    else
      co_await send_error(call, *open_error);
    co_return;
  }
  call.stream_opened = true;
  auto encoder = call.surface.stream_encoder(call.request);
  Headers headers = encoder->headers();
  for (auto& h : call.extra_headers)
    headers.push_back(h);
  if (!co_await call.exchange.begin_stream(200, std::move(headers))) {
    call.client_gone = true;
    call.upstream->abort();
  } else {
    auto pinger = std::make_shared<KeepAlive>(co_await asio::this_coro::executor, call, *encoder,
                                              ping_interval);
    pinger->start();
    co_await relay(call, *encoder);
    pinger->stop();
    // The upstream call is over: a client leaving now must not abort it (which would close a
    // connection recycle() can still give back to the pool).
    call.exchange.unwatch_client();
    if (!call.client_gone) co_await call.exchange.end_stream();
    co_await call.exchange.drain_writes();  // a ping in flight must finish before `call` dies
  }
  call.exchange.unwatch_client();
  if (call.client_gone)
    call.record.status = kClientClosedStatus;
  else if (call.record.status == 200)
    co_await call.upstream->recycle();
}

// This turn's own input (after the instructions) and the request fields the response repeats:
// what a later previous_response_id needs of this response besides its answer.
void capture_turn(Call& call) {
  const auto& messages = call.request.body.at("messages").get_array();
  json::array turn;
  for (std::size_t i = call.request.turn_start; i < messages.size(); ++i)
    turn.push_back(messages[i]);
  call.context =
      json::serialize(json::object{{"turn", std::move(turn)}, {"echo", call.request.echo}});
}

// Puts the stored conversation before this turn's input.
asio::awaitable<std::optional<ApiError>> continue_conversation(Call& call) {
  const std::string& previous = call.request.previous_response_id;
  if (!call.parts.conversations)
    co_return ApiError::unsupported_parameter("previous_response_id is not available.",
                                              "previous_response_id");
  auto history = co_await call.parts.conversations->history(previous, call.key->account_id);
  if (!history) co_return history.error();
  auto& messages = call.request.body.at("messages").as_array();
  std::size_t at = std::min(call.request.turn_start, messages.size());
  for (const auto& m : *history)
    call.history_chars += json::serialize(m).size();
  messages.insert(messages.begin() + static_cast<std::ptrdiff_t>(at), history->begin(),
                  history->end());
  co_return std::nullopt;
}

// Decodes again with the stored items the input's item_reference entries name.
asio::awaitable<std::optional<ApiError>> resolve_references(Call& call) {
  if (!call.parts.conversations)
    co_return ApiError::unsupported_parameter("item_reference is not available.",
                                              call.request.item_references.front().param);
  auto items =
      co_await call.parts.conversations->items(call.request.item_references, call.key->account_id);
  if (!items) co_return items.error();
  auto decoded =
      call.surface.decode_resolved(call.exchange.request(), json::storage_ptr(&call.arena), *items);
  if (!decoded) co_return decoded.error();
  call.request = std::move(decoded.value());
  call.history_chars += json::serialize(*items).size();
  co_return std::nullopt;
}

// background: true. The task runs the request again later, as this key, without a new admission.
asio::awaitable<void> submit_background(Call& call) {
  std::optional<ApiError> refused;
  if (!call.parts.background)
    refused = ApiError::unsupported_parameter("Background runs are not available.", "background");
  else if (call.request.stream)
    refused = ApiError::unsupported_parameter(
        "A background response cannot be streamed; poll GET /v1/responses/{id} instead.", "stream");
  else if (!call.request.store)
    refused = ApiError::invalid_request("A background response must be stored (store: true).",
                                        "store", "invalid_value");
  if (refused) {
    co_await send_error(call, *refused);
    co_return;
  }
  const HttpRequest& request = call.exchange.request();
  HttpResponse r = co_await call.parts.background->submit_background(
      call.key, call.surface, request.path, request.body, call.request);
  call.record.status = r.status;
  call.submitted = true;
  for (auto& h : call.extra_headers)
    r.headers.push_back(h);
  co_await call.exchange.respond(std::move(r));
}

}  // namespace

Result<std::shared_ptr<const KeyInfo>> Pipeline::authenticate(const Surface& surface,
                                                              const HttpRequest& request) const {
  std::string secret = surface.api_key(request);
  if (secret.empty())
    return ApiError::invalid_api_key(
        "You didn't provide an API key. Send it as 'Authorization: Bearer sk-glm-...'.");
  auto key = parts_.keys.find(secret);
  if (!key) {
    std::string shown = secret.size() > 10 ? secret.substr(0, 10) + "***" : "***";
    return ApiError::invalid_api_key("Incorrect API key provided: " + shown + ".");
  }
  return key;
}

asio::awaitable<Result<std::shared_ptr<const KeyInfo>>> Pipeline::authenticate_missed(
    const Surface& surface, const HttpRequest& request, ApiError refusal) const {
  std::string secret = surface.api_key(request);
  if (secret.empty() || !parts_.key_lookup) co_return refusal;
  auto key = co_await parts_.key_lookup->find_missed(std::move(secret));
  if (!key) co_return refusal;
  co_return key;
}

asio::awaitable<Result<std::shared_ptr<const KeyInfo>>> Pipeline::authenticate_any(
    const Surface& surface, const HttpRequest& request) const {
  auto key = authenticate(surface, request);
  if (!key) key = co_await authenticate_missed(surface, request, key.error());
  co_return key;
}

// The steps up to the response; every refusal is sent from here. The caller settles.
// Admission, decoding, validation, the conversation and the reservation: every step that can
// refuse the request, which it then answers itself (false). Its own coroutine so that its many
// locals are freed before a long stream starts (a coroutine frame keeps all of them).
asio::awaitable<bool> Pipeline::prepare(Call& call) const {
  const auto& config = parts_.catalog.config();
  Exchange& exchange = call.exchange;

  if (parts_.pause.paused.load(std::memory_order_relaxed)) {
    ApiError paused = ApiError::unavailable("The API is paused by its operator. Try again later.");
    co_await send_error(call, paused);
    co_return false;
  }

  NanoUsd spent = call.key->account_id.empty() ? 0 : parts_.wallet.spent(call.key->account_id);
  call.limits = resolve_limits(*call.key, spent, config);
  // The key's concurrency slot is taken once the request is decoded (below): a background
  // submission holds none, and a task's runner holds it for the run.
  const std::int64_t slots = std::exchange(call.limits.max_concurrency, 0);
  if (!call.task) {  // a task took its rate when it was queued; its tokens still count
    if (auto err = parts_.limiter.admit(*call.key, call.limits, call.extra_headers)) {
      co_await send_error(call, *err);
      co_return false;
    }
  }
  call.admitted = true;

  auto decoded = call.surface.decode(exchange.request(), json::storage_ptr(&call.arena));
  if (!decoded) {
    co_await send_error(call, decoded.error());
    co_return false;
  }
  call.request = std::move(decoded.value());
  if (!call.request.item_references.empty()) {
    std::optional<ApiError> err = co_await resolve_references(call);
    if (err) {
      co_await send_error(call, *err);
      co_return false;
    }
  }
  call.record.model = call.request.model.substr(0, 128);
  call.record.stream = call.request.stream;

  call.model = parts_.catalog.find(call.request.model);
  if (!call.model) {
    ApiError unknown = ApiError::model_not_found(call.request.model);
    co_await send_error(call, unknown);
    co_return false;
  }
  call.record.provider = call.model->provider;
  if (auto err = validate_against_model(call, config.default_max_tokens)) {
    co_await send_error(call, *err);
    co_return false;
  }

  if (call.request.background && !call.task) {
    co_await submit_background(call);
    co_return false;
  }
  if (slots > 0 && !call.task) {
    if (auto err = parts_.limiter.admit(*call.key, {0, 0, slots}, call.extra_headers)) {
      co_await send_error(call, *err);
      co_return false;
    }
    call.limits.max_concurrency = slots;  // settle() gives the slot back
  }
  call.keep = call.task || (parts_.outputs.enabled() && call.request.store);
  if (call.keep && call.request.stream) call.accumulated.emplace();
  if (call.keep && call.request.continuable) capture_turn(call);
  if (!call.request.previous_response_id.empty()) {
    // GCC 12 ends the life of a condition variable initialized by co_await too early.
    std::optional<ApiError> err = co_await continue_conversation(call);
    if (err) {
      co_await send_error(call, *err);
      co_return false;
    }
  }

  std::int64_t max_tokens = call.request.body.at("max_tokens").to_number<std::int64_t>();
  call.request.prompt_estimate =
      estimate_tokens(exchange.request().body.size() + call.history_chars);
  NanoUsd bound =
      reservation_bound(*call.model, call.request.prompt_estimate, max_tokens, call.choices);
  auto reservation = parts_.wallet.reserve(*call.key, call.model->id, bound);
  if (!reservation) {
    co_await send_error(call, reservation.error());
    co_return false;
  }
  call.reservation = reservation.value();
  call.reserved = true;

  if (ConcurrencyGate* gate = parts_.catalog.gate(call.model->provider)) {
    const ProviderConfig* provider = config.find_provider(call.model->provider);
    auto wait = std::chrono::milliseconds(provider->queue_timeout_ms);
    if (!co_await gate->acquire(wait)) {
      ApiError busy = ApiError::rate_limited(
          "The provider of `" + call.model->id + "` is at its concurrency limit. Retry shortly.",
          "provider_concurrency_limit");
      call.extra_headers.push_back({"retry-after", "1"});
      co_await send_error(call, busy);
      co_return false;
    }
    call.gate = gate;
  }
  co_return true;
}

asio::awaitable<void> Pipeline::run(Call& call) const {
  bool ready = co_await prepare(call);
  if (!ready) co_return;
  const auto& config = parts_.catalog.config();
  const auto& adapter = parts_.catalog.adapter(call.model->provider);
  call.upstream = adapter.call(CallContext{call.exchange.request_id(), call.model},
                               std::move(call.request.body), call.request.stream);
  call.arena.release();  // the adapter serialized the request; a long stream keeps no DOM
  if (call.request.stream)
    co_await dispatch_stream(call, std::chrono::milliseconds(config.stream_ping_interval_ms));
  else
    co_await dispatch_unary(call);
}

// Records every path that got past authentication, settling first when the dispatch did not.
void Pipeline::finish(Call& call) const {
  settle(call);
  if (call.submitted) return;
  auto now = Clock::now();
  call.record.latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now - call.exchange.received_at())
          .count();
  if (call.first_token)
    call.record.ttft_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              *call.first_token - call.exchange.received_at())
                              .count();
  call.record.created_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  parts_.usage.record(std::move(call.record), std::move(call.charge), call.output_slot);
}

asio::awaitable<void> Pipeline::generate(const Surface& surface, Exchange& exchange) const {
  Call call(parts_, surface, exchange);
  call.record.request_id = exchange.request_id();
  call.record.surface = std::string(surface.name());

  bool known = co_await identify(call);
  if (!known) co_return;
  call.output_id = output_id(surface.id_prefix());
  co_await guarded(call);
}

// The key, or the refusal answered: a coroutine of its own so that the result (an ApiError when
// refused) is not kept in generate()'s frame for the whole answer.
asio::awaitable<bool> Pipeline::identify(Call& call) const {
  auto key = authenticate(call.surface, call.exchange.request());
  if (!key) key = co_await authenticate_missed(call.surface, call.exchange.request(), key.error());
  if (!key) {
    co_await send_error(call, key.error());
    co_return false;
  }
  call.key = key.value();
  co_return true;
}

asio::awaitable<void> Pipeline::run_task(const Surface& surface, Exchange& exchange,
                                         std::shared_ptr<const KeyInfo> key, TaskRun& task) const {
  Call call(parts_, surface, exchange);
  call.record.request_id = exchange.request_id();
  call.record.surface = std::string(surface.name());
  call.key = std::move(key);
  call.task = &task;
  call.output_id = task.output_id;
  co_await guarded(call);
}

// Runs the steps and records the request whatever happens.
asio::awaitable<void> Pipeline::guarded(Call& call) const {
  call.record.key_id = call.key->id;
  call.record.account_id = call.key->account_id;
  try {
    co_await run(call);
  } catch (...) {
    finish(call);
    throw;
  }
  finish(call);
}

}  // namespace glmgate
