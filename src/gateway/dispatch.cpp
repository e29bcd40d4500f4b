// The non-streamed dispatch and what both dispatches share; see steps.hpp and dispatch.hpp.
#include "gateway/dispatch.hpp"

#include <spdlog/spdlog.h>

#include "canonical/json_checks.hpp"
#include "gateway/steps.hpp"
#include "outputs/stored_completion.hpp"

namespace glmgate {

std::int64_t estimate_tokens(std::size_t characters) {
  return static_cast<std::int64_t>((characters + 2) / 3);
}

}  // namespace glmgate

namespace glmgate::steps {

namespace asio = boost::asio;
namespace json = boost::json;

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

void finish_usage(Call& call) {
  auto& upstream = call.upstream;
  if (upstream.usage) {
    call.record.usage = *upstream.usage;
  } else if (upstream.generated_chars > 0 || (upstream.client_gone && upstream.opened)) {
    call.record.usage.prompt_tokens = call.request.prompt_estimate;
    call.record.usage.completion_tokens = estimate_tokens(upstream.generated_chars);
    call.record.usage.estimated = true;
  }
}

void release_request(Call& call) {
  // The request's nodes are destroyed while the arena's memory is still there, then the arena
  // given back: a long stream keeps no DOM.
  call.request.body.clear();
  call.arena.release();
}

void watch_client(Call& call) {
  call.exchange.watch_client([&call] {
    call.upstream.client_gone = true;
    if (call.upstream.call) call.upstream.call->abort();  // none between two attempts
  });
}

asio::awaitable<void> send_error(Call& call, const ApiError& error) {
  call.record.status = error.status;
  call.error_code = error.code;
  if (error.status >= 500)
    spdlog::warn("request {}: {} {}: {}", call.record.request_id, error.status, error.code,
                 error.message);
  HttpResponse r = call.surface.render_error(error);
  for (auto& h : call.extra_headers)
    r.headers.push_back(h);
  co_await call.exchange.respond(std::move(r));
}

namespace {

// The upstream call's outcome as a value: an exception here must not leave the watcher armed on
// a call that is being unwound.
asio::awaitable<Result<json::object>> call_unary(Call& call) {
  try {
    if (auto err = co_await open_upstream(call)) co_return *err;
    if (call.upstream.client_gone) co_return ApiError::internal("the client left");
    release_request(call);
    co_return co_await call.upstream.call->response(json::storage_ptr(&call.arena));
  } catch (const std::exception& e) {
    co_return ApiError::internal(std::string("upstream call failed: ") + e.what());
  }
}

// The answer's body. Where the surface answers with the canonical response and the upstream's
// text is that response but for its id and model, the text goes out with those two replaced:
// serializing the whole response again cost a twentieth of a request's CPU.
std::string encode_answer(Call& call, json::object& response) {
  const UpstreamText* text = call.surface.answers_canonical() && !call.upstream.edited
                                 ? call.upstream.call->text()
                                 : nullptr;
  if (!text) return call.surface.encode_response(response, call.request);
  const std::string_view values[] = {call.output_id, call.route.answered->id};  // kUpstreamTextKeys
  return replace_string_values(text->body, text->spans, values);
}

// The answer as the client gets it: the public model and the call's ID, the usage (an estimate,
// which the client is told, when the upstream sent none), the stored form when keeping it.
HttpResponse answer(Call& call, json::object& response) {
  auto& upstream = call.upstream;
  response["model"] = call.route.answered->id;  // a fallback answers as itself
  response["id"] = call.output_id;
  if (auto u = read_usage(response)) {
    upstream.usage = u;
  } else {
    Usage estimate;
    estimate.prompt_tokens = call.request.prompt_estimate;
    estimate.completion_tokens = estimate_tokens(generated_chars(response, "message"));
    estimate.estimated = true;
    upstream.usage = estimate;
    response["usage"] = usage_to_json(estimate);
    upstream.edited = true;
  }
  if (const json::object* choice = first_choice(response))
    call.output.finish = std::string(string_or_empty(*choice, "finish_reason"));
  upstream.first_token = Call::Clock::now();
  HttpResponse r;
  r.body = encode_answer(call, response);
  if (call.output.keep) call.output.answer = compact_completion(response);
  r.headers = std::move(call.extra_headers);  // the answer is the call's last use of them
  return r;
}

}  // namespace

asio::awaitable<void> dispatch_unary(Call& call) {
  watch_client(call);
  Result<json::object> result = co_await call_unary(call);
  call.exchange.unwatch_client();
  if (call.upstream.client_gone) {
    call.record.status = kClientClosedStatus;
    co_return;
  }
  if (!result) {
    co_await send_error(call, result.error());
    co_return;
  }
  HttpResponse r = answer(call, result.value());
  call.record.status = 200;
  settle(call);  // before the client sees the answer, so its next request sees the charge
  co_await call.exchange.respond(std::move(r));
}

}  // namespace glmgate::steps
