// Responses stream encoder; see stream_encoder.hpp. Items carry their own output_index and
// item_id, so tool calls may interleave: each stays open until the choice finishes. Reasoning and
// message items close when the next kind of output begins.
#include "surfaces/responses/stream_encoder.hpp"

#include <boost/json/serialize.hpp>
#include <map>

#include "canonical/json_checks.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "surfaces/openai/openai_surface.hpp"
#include "surfaces/responses/responses_response.hpp"

namespace glmgate::responses {

namespace json = boost::json;

namespace {

class ResponsesStreamEncoder final : public StreamEncoder {
 public:
  ResponsesStreamEncoder(json::object echo, bool sealed)
      : echo_(std::move(echo)), sealed_(sealed), summary_(wants_reasoning_summary(echo_)) {
    if (auto t = echo_.find("tools"); t != echo_.end()) tools_map_ = ToolMap(t->value());
  }

  Headers headers() const override {
    return {{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  }

  void chunk(json::object& chunk, std::string& out) override {
    start(chunk, out);
    const json::object* choice = first_choice(chunk);
    if (!choice) return;
    if (auto d = choice->find("delta"); d != choice->end() && d->value().is_object()) {
      const auto& delta = d->value().get_object();
      if (auto r = string_or_empty(delta, "reasoning_content"); !r.empty())
        text(Kind::reasoning, r, out);
      if (auto t = string_or_empty(delta, "content"); !t.empty()) text(Kind::message, t, out);
      for (const auto& call : tool_calls_of(delta))
        tool(call, out);
    }
    if (auto f = string_or_empty(*choice, "finish_reason"); !f.empty()) finish_ = std::string(f);
  }

  void error(const ApiError& e, std::string& out) override {
    json::object failed = snapshot("failed", {});
    failed["error"] =
        json::object{{"code", e.code.empty() ? "server_error" : e.code}, {"message", e.message}};
    event(out, "response.failed", json::object{{"response", std::move(failed)}});
    // The SDKs raise on an error event; response.failed before it carries the state.
    json::object err{{"code", e.code}, {"message", e.message}, {"param", nullptr}};
    event(out, "error", json::object{{"code", e.code}, {"message", e.message}, {"error", err}});
  }

  void done(const std::optional<Usage>& usage, std::string& out) override {
    json::object none;
    start(none, out);
    close_text(out);
    for (auto& [index, t] : tools_) {
      json::object item =
          call_item(id_, t.output_index, t.call_id, t.name, t.arguments, tools_map_);
      if (t.custom) {
        // Custom input is text inside the upstream's JSON arguments: sent whole once complete.
        const json::value& input = item.at("input");
        if (!input.get_string().empty())
          event(out, "response.custom_tool_call_input.delta",
                json::object{
                    {"item_id", t.item_id}, {"output_index", t.output_index}, {"delta", input}});
        event(out, "response.custom_tool_call_input.done",
              json::object{
                  {"item_id", t.item_id}, {"output_index", t.output_index}, {"input", input}});
      } else {
        event(out, "response.function_call_arguments.done",
              json::object{{"item_id", t.item_id},
                           {"output_index", t.output_index},
                           {"arguments", t.arguments}});
      }
      finish_item(t.output_index, std::move(item), out);
    }
    tools_.clear();
    json::object final = snapshot("", usage);
    std::string_view status = final.at("status").as_string();
    event(out, status == "incomplete" ? "response.incomplete" : "response.completed",
          json::object{{"response", std::move(final)}});
  }

  std::string_view ping() const override { return ": ping\n\n"; }

 private:
  enum class Kind { none, reasoning, message };
  struct Tool {
    std::string item_id, call_id, name, arguments;  // `name` as the upstream calls it
    std::int64_t output_index = 0;
    bool custom = false;
  };

  void event(std::string& out, std::string_view type, json::object payload) {
    payload["type"] = type;
    payload["sequence_number"] = sequence_++;
    out += "event: ";
    out += type;
    out += "\ndata: ";
    out += json::serialize(payload);
    out += "\n\n";
  }

  json::object snapshot(std::string_view status, const std::optional<Usage>& usage) {
    json::array output;
    for (const auto& [index, item] : done_items_)
      output.push_back(item);
    return response_object(id_, model_, created_, status, finish_, std::move(output), usage, echo_);
  }

  void start(const json::object& chunk, std::string& out) {
    if (started_) return;
    started_ = true;
    std::string_view id = string_or_empty(chunk, "id");
    id_ = id.rfind("resp_", 0) == 0 ? std::string(id) : fast_id("resp_", 24);
    model_ = std::string(string_or_empty(chunk, "model"));
    created_ = unix_seconds_now();
    event(out, "response.created",
          json::object{{"response", snapshot("in_progress", std::nullopt)}});
    event(out, "response.in_progress",
          json::object{{"response", snapshot("in_progress", std::nullopt)}});
  }

  void text(Kind kind, std::string_view delta, std::string& out) {
    bool reasoning = kind == Kind::reasoning;
    if (open_ != kind) {
      close_text(out);
      open_ = kind;
      item_index_ = next_index_++;
      item_id_ = item_id(reasoning ? "rs_" : "msg_", id_, item_index_);
      json::object item =
          reasoning ? reasoning_item(item_id_, "") : message_item(item_id_, "", "in_progress");
      if (reasoning) item["content"] = json::array();
      event(out, "response.output_item.added",
            json::object{{"output_index", item_index_}, {"item", item}});
      event(out,
            summarized() ? "response.reasoning_summary_part.added" : "response.content_part.added",
            position("part", part(reasoning, "")));
      text_.clear();
    }
    text_ += delta;
    event(out, delta_event(reasoning), position("delta", json::string(delta)));
  }

  // Reasoning streams as its summary when the client asked for one, else as the item's content.
  bool summarized() const { return open_ == Kind::reasoning && summary_; }

  std::string_view delta_event(bool reasoning) const {
    if (!reasoning) return "response.output_text.delta";
    return summary_ ? "response.reasoning_summary_text.delta" : "response.reasoning_text.delta";
  }

  // The open item's address and one more field: content_index 0, or summary_index 0.
  json::object position(std::string_view key, json::value value) const {
    json::object o{{"item_id", item_id_}, {"output_index", item_index_}};
    o[summarized() ? "summary_index" : "content_index"] = 0;
    o[key] = std::move(value);
    return o;
  }

  json::object part(bool reasoning, std::string_view text) const {
    if (reasoning)
      return json::object{{"type", summary_ ? "summary_text" : "reasoning_text"}, {"text", text}};
    return json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array()}};
  }

  void close_text(std::string& out) {
    if (open_ == Kind::none) return;
    bool reasoning = open_ == Kind::reasoning;
    std::string_view done = !reasoning ? "response.output_text.done"
                            : summary_ ? "response.reasoning_summary_text.done"
                                       : "response.reasoning_text.done";
    event(out, done, position("text", json::string(text_)));
    event(out, summarized() ? "response.reasoning_summary_part.done" : "response.content_part.done",
          position("part", part(reasoning, text_)));
    finish_item(item_index_,
                reasoning ? reasoning_item(item_id_, text_, sealed_, summary_)
                          : message_item(item_id_, text_),
                out);
    open_ = Kind::none;
  }

  void finish_item(std::int64_t index, json::object item, std::string& out) {
    event(out, "response.output_item.done", json::object{{"output_index", index}, {"item", item}});
    done_items_[index] = std::move(item);
  }

  void tool(const ToolCallView& call, std::string& out) {
    auto it = tools_.find(call.index);
    if (it == tools_.end()) {
      close_text(out);
      Tool t;
      t.call_id = call.id.empty() ? fast_id("call_", 24) : std::string(call.id);
      t.name = std::string(call.name);
      t.output_index = next_index_++;
      json::object item =
          call_item(id_, t.output_index, t.call_id, t.name, "", tools_map_, "in_progress");
      t.item_id = std::string(item.at("id").as_string());
      t.custom = item.at("type").as_string() == "custom_tool_call";
      event(out, "response.output_item.added",
            json::object{{"output_index", t.output_index}, {"item", std::move(item)}});
      it = tools_.emplace(call.index, std::move(t)).first;
    }
    std::string_view fragment = call.arguments;
    if (fragment.empty()) return;
    it->second.arguments += fragment;
    if (it->second.custom) return;
    event(out, "response.function_call_arguments.delta",
          json::object{{"item_id", it->second.item_id},
                       {"output_index", it->second.output_index},
                       {"delta", fragment}});
  }

  bool started_ = false;
  json::object echo_;
  bool sealed_ = false;   // reasoning items carry encrypted_content
  bool summary_ = false;  // reasoning streams and ends as a summary (reasoning.summary asked)
  ToolMap tools_map_;
  std::string id_, model_;
  std::int64_t created_ = 0;
  std::int64_t sequence_ = 0;
  std::int64_t next_index_ = 0;
  Kind open_ = Kind::none;
  std::string item_id_;
  std::int64_t item_index_ = 0;
  std::string text_;
  std::map<std::int64_t, Tool> tools_;               // by upstream tool index
  std::map<std::int64_t, json::object> done_items_;  // by output_index
  std::string finish_;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(json::object echo, bool sealed_reasoning) {
  return std::make_unique<ResponsesStreamEncoder>(std::move(echo), sealed_reasoning);
}

}  // namespace glmgate::responses
