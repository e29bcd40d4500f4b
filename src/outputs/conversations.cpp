// Conversations; see conversations.hpp.
#include "outputs/conversations.hpp"

#include <boost/json/parse.hpp>

#include "outputs/stored_completion.hpp"
#include "surfaces/json_checks.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

// Deeper chains are refused rather than read row by row for ever (a loop cannot happen: IDs are
// assigned before the previous one is known, but a bound is cheap).
constexpr int kMaxTurns = 1000;

ApiError not_found(const std::string& id) {
  return ApiError::invalid_request("Previous response with id '" + id + "' not found.",
                                   "previous_response_id", "previous_response_not_found");
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
  auto read = [this, response_id, account_id] { return history_now(response_id, account_id); };
  co_return co_await pool_.run(std::move(read));
}

}  // namespace glmgate
