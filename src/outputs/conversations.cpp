// Conversations; see conversations.hpp.
#include "outputs/conversations.hpp"

#include <boost/json/parse.hpp>
#include <map>

#include "canonical/json_checks.hpp"
#include "contracts/store/store_error.hpp"
#include "outputs/stored_completion.hpp"
#include "surfaces/responses/responses_response.hpp"
#include "surfaces/surface.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

// A stored response could not be read because the store is away (a PostgreSQL restart): a 503 the
// client may retry, never a 500.
ApiError store_away() {
  return ApiError::unavailable(
      "Stored responses cannot be read right now: the gateway's store cannot be reached; try "
      "again shortly.");
}

// Deeper chains are refused rather than read row by row for ever (a loop cannot happen: IDs are
// assigned before the previous one is known, but a bound is cheap).
constexpr int kMaxTurns = 1000;

ApiError not_found(const std::string& id) {
  return ApiError::invalid_request("Previous response with id '" + id + "' not found.",
                                   "previous_response_id", "previous_response_not_found");
}

// The item `id` of a response's output. A stream numbers its items as they come, the stored
// answer in a fixed order (reasoning, message, calls); they differ only for unusual streams, so
// an item of a kind the response has once is also found by its kind.
const json::value* find_item(const json::array& output, std::string_view id) {
  std::string_view kind = id.substr(0, id.find('_') + 1);
  const json::value* only = nullptr;
  int same_kind = 0;
  for (const auto& item : output) {
    std::string_view item_id = string_or_empty(item.as_object(), "id");
    if (item_id == id) return &item;
    if (item_id.starts_with(kind)) {
      only = &item;
      ++same_kind;
    }
  }
  return same_kind == 1 ? only : nullptr;
}

}  // namespace

json::object assistant_message(const json::object& completion) {
  json::object out{{"role", "assistant"}, {"content", nullptr}};
  const json::object* choice = first_choice(completion);
  if (!choice) return out;
  auto m = choice->find("message");
  if (m == choice->end() || !m->value().is_object()) return out;
  const auto& msg = m->value().get_object();
  if (auto c = msg.find("content"); c != msg.end()) out["content"] = c->value();
  if (auto r = string_or_empty(msg, "reasoning_content"); !r.empty()) out["reasoning_content"] = r;
  if (auto t = msg.find("tool_calls");
      t != msg.end() && t->value().is_array() && !t->value().get_array().empty())
    out["tool_calls"] = t->value();
  return out;
}

Result<json::array> Conversations::history_now(const std::string& response_id,
                                               const std::string& account_id) {
  std::vector<json::array> turns;  // newest first
  std::string id = response_id;
  for (int depth = 0; !id.empty(); ++depth) {
    if (depth == kMaxTurns)
      return ApiError::invalid_request(
          "The conversation is longer than " + std::to_string(kMaxTurns) + " responses.",
          "previous_response_id", "invalid_value");
    auto output = outputs_.find(id, account_id);
    // An earlier turn that expired or was deleted ends the chain where it is.
    if (!output) {
      if (depth == 0) return not_found(response_id);
      break;
    }
    json::array turn;
    boost::system::error_code ec;
    if (!output->context.empty()) {
      json::value ctx = json::parse(output->context, ec);
      if (!ec && ctx.is_object())
        if (auto t = ctx.get_object().find("turn");
            t != ctx.get_object().end() && t->value().is_array())
          turn = std::move(t->value().get_array());
    }
    turn.push_back(assistant_message(stored_completion(*output)));
    turns.push_back(std::move(turn));
    id = output->previous_id;
  }
  json::array messages;
  for (auto it = turns.rbegin(); it != turns.rend(); ++it)
    for (auto& m : *it)
      messages.push_back(std::move(m));
  return messages;
}

boost::asio::awaitable<Result<json::array>> Conversations::history(const std::string& response_id,
                                                                   const std::string& account_id) {
  auto read = [this, response_id, account_id]() -> Result<json::array> {
    try {
      return history_now(response_id, account_id);
    } catch (const StoreUnavailable&) {
      return store_away();
    }
  };
  co_return co_await pool_.run(std::move(read));
}

Result<json::object> Conversations::items_now(const std::vector<ItemReference>& refs,
                                              const std::string& account_id) {
  std::map<std::string, json::array> outputs;  // by response ID; empty: none the account has
  json::object found;
  for (const auto& ref : refs) {
    if (found.contains(ref.id)) continue;
    std::string response_id = responses::response_of_item(ref.id);
    if (!response_id.empty() && !outputs.contains(response_id)) {
      json::array& output = outputs[response_id];
      if (auto stored = outputs_.find(response_id, account_id)) {
        json::object echo;
        boost::system::error_code ec;
        json::value ctx = json::parse(stored->context, ec);
        if (!ec && ctx.is_object())
          if (auto e = ctx.get_object().find("echo");
              e != ctx.get_object().end() && e->value().is_object())
            echo = std::move(e->value().get_object());
        json::object response =
            responses::response_from_completion(stored_completion(*stored), echo);
        output = std::move(response.at("output").as_array());
      }
    }
    const json::value* item =
        response_id.empty() ? nullptr : find_item(outputs[response_id], ref.id);
    if (!item)
      return ApiError::invalid_request("Item with id '" + ref.id + "' not found.", ref.param,
                                       "item_not_found");
    found[ref.id] = *item;
  }
  return found;
}

boost::asio::awaitable<Result<json::object>> Conversations::items(
    const std::vector<ItemReference>& refs, const std::string& account_id) {
  auto read = [this, refs, account_id]() -> Result<json::object> {
    try {
      return items_now(refs, account_id);
    } catch (const StoreUnavailable&) {
      return store_away();
    }
  };
  co_return co_await pool_.run(std::move(read));
}

}  // namespace glmgate
