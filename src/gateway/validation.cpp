// The validate step and what belongs to it: decoding, stored items and conversations, the
// output plan; see steps.hpp.
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "gateway/pricing.hpp"
#include "gateway/steps.hpp"

namespace glmgate::steps {

namespace json = boost::json;

namespace {

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

// This turn's own input (after the instructions) and the request fields the response repeats:
// what a later previous_response_id needs of this response besides its answer.
void capture_turn(Call& call) {
  const auto& messages = call.request.body.at("messages").get_array();
  json::array turn;
  for (std::size_t i = call.request.turn_start; i < messages.size(); ++i)
    turn.push_back(messages[i]);
  call.output.context =
      json::serialize(json::object{{"turn", std::move(turn)}, {"echo", call.request.echo}});
}

}  // namespace

StepEnd decode(Call& call) {
  auto decoded = call.surface.decode(call.exchange.request(), json::storage_ptr(&call.arena));
  if (!decoded) return StepEnd::stop(decoded.error());
  call.request = std::move(decoded.value());
  return StepEnd::next();
}

// Decodes again with the stored items the input's item_reference entries name.
boost::asio::awaitable<StepEnd> resolve_references(Call& call) {
  if (!call.parts.conversations)
    co_return StepEnd::stop(ApiError::unsupported_parameter(
        "item_reference is not available.", call.request.item_references.front().param));
  auto items =
      co_await call.parts.conversations->items(call.request.item_references, call.key->account_id);
  if (!items) co_return StepEnd::stop(items.error());
  auto decoded =
      call.surface.decode_resolved(call.exchange.request(), json::storage_ptr(&call.arena), *items);
  if (!decoded) co_return StepEnd::stop(decoded.error());
  call.request = std::move(decoded.value());
  call.history_chars += json::serialize(*items).size();
  co_return StepEnd::next();
}

StepEnd validate(Call& call) {
  call.record.model = call.request.model.substr(0, 128);
  call.record.stream = call.request.stream;
  call.model = call.parts.catalog.find(call.request.model);
  if (!call.model) return StepEnd::stop(ApiError::model_not_found(call.request.model));
  call.record.provider = call.model->provider;
  if (auto err = validate_against_model(call, call.parts.catalog.config().default_max_tokens))
    return StepEnd::stop(std::move(*err));
  return StepEnd::next();
}

void plan_output(Call& call) {
  auto& output = call.output;
  output.keep = call.task || (call.parts.outputs.enabled() && call.request.store);
  if (output.keep && call.request.stream) output.accumulated.emplace();
  if (output.keep && call.request.continuable) capture_turn(call);
}

// Puts the stored conversation before this turn's input.
boost::asio::awaitable<StepEnd> continue_conversation(Call& call) {
  const std::string& previous = call.request.previous_response_id;
  if (!call.parts.conversations)
    co_return StepEnd::stop(ApiError::unsupported_parameter(
        "previous_response_id is not available.", "previous_response_id"));
  auto history = co_await call.parts.conversations->history(previous, call.key->account_id);
  if (!history) co_return StepEnd::stop(history.error());
  auto& messages = call.request.body.at("messages").as_array();
  std::size_t at = std::min(call.request.turn_start, messages.size());
  for (const auto& m : *history)
    call.history_chars += json::serialize(m).size();
  messages.insert(messages.begin() + static_cast<std::ptrdiff_t>(at), history->begin(),
                  history->end());
  co_return StepEnd::next();
}

}  // namespace glmgate::steps
