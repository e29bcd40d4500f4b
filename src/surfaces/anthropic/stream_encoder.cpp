// Anthropic stream encoder; see stream_encoder.hpp. Anthropic blocks are strictly sequential while
// OpenAI deltas may interleave (text with a tool call in one chunk, several tool calls by index),
// so: thinking and text stream live until the first tool call; the first tool call streams live;
// fragments of other tool calls, and any text after a tool call, are held and sent as whole
// blocks (their fragments kept) when the choice finishes. Every block opened is closed.
#include "surfaces/anthropic/stream_encoder.hpp"

#include <boost/json/serialize.hpp>
#include <map>
#include <vector>

#include "canonical/json_checks.hpp"
#include "surfaces/anthropic/messages_response.hpp"

namespace glmgate::anthropic {

namespace json = boost::json;

namespace {

class MessagesStreamEncoder final : public StreamEncoder {
 public:
  MessagesStreamEncoder(bool omit_reasoning, std::int64_t prompt_estimate)
      : omit_reasoning_(omit_reasoning), prompt_estimate_(prompt_estimate) {}

  Headers headers() const override {
    return {{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  }

  void chunk(json::object& chunk, std::string& out) override {
    start(chunk, out);
    const json::object* first = first_choice(chunk);
    if (!first) return;
    const auto& choice = *first;
    if (auto d = choice.find("delta"); d != choice.end() && d->value().is_object()) {
      const auto& delta = d->value().get_object();
      if (auto r = string_or_empty(delta, "reasoning_content"); !r.empty())
        text_like(Kind::thinking, r, out);
      if (auto t = string_or_empty(delta, "content"); !t.empty()) text_like(Kind::text, t, out);
      for (const auto& call : tool_calls_of(delta))
        tool_delta(call, out);
    }
    if (auto f = string_or_empty(choice, "finish_reason"); !f.empty()) {
      stop_reason_ = std::string(stop_reason(f));
      finish_blocks(out);
    }
  }

  void error(const ApiError& e, std::string& out) override {
    event(out, "error",
          json::object{{"type", "error"},
                       {"error", {{"type", error_type(e.status)}, {"message", e.message}}}});
  }

  void done(const std::optional<Usage>& usage, std::string& out) override {
    json::object none;
    start(none, out);
    finish_blocks(out);
    event(out, "message_delta",
          json::object{{"type", "message_delta"},
                       {"delta", {{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}}},
                       {"usage", usage_json(usage.value_or(Usage{}))}});
    event(out, "message_stop", json::object{{"type", "message_stop"}});
  }

  std::string_view ping() const override { return "event: ping\ndata: {\"type\":\"ping\"}\n\n"; }

 private:
  enum class Kind { none, thinking, text, tool };
  struct Tool {
    std::string id;
    std::string name;
    std::vector<std::string> fragments;  // held until the block can be sent
  };

  static void event(std::string& out, std::string_view name, const json::object& payload) {
    out += "event: ";
    out += name;
    out += "\ndata: ";
    out += json::serialize(payload);
    out += "\n\n";
  }

  void start(const json::object& chunk, std::string& out) {
    if (started_) return;
    started_ = true;
    json::object message{{"id", message_id(string_or_empty(chunk, "id"))},
                         {"type", "message"},
                         {"role", "assistant"},
                         {"model", string_or_empty(chunk, "model")},
                         {"content", json::array()},
                         {"stop_reason", nullptr},
                         {"stop_sequence", nullptr},
                         {"usage", usage_json(Usage{.prompt_tokens = prompt_estimate_})}};
    event(out, "message_start",
          json::object{{"type", "message_start"}, {"message", std::move(message)}});
  }

  void open_block(Kind kind, json::object block, std::string& out) {
    close_block(out);
    open_ = kind;
    event(out, "content_block_start",
          json::object{{"type", "content_block_start"},
                       {"index", next_index_},
                       {"content_block", std::move(block)}});
  }

  void close_block(std::string& out) {
    if (open_ == Kind::none) return;
    if (open_ == Kind::thinking && omit_reasoning_) {
      delta(
          json::object{{"type", "signature_delta"}, {"signature", reasoning_signature(thinking_)}},
          out);
      thinking_.clear();
    }
    event(out, "content_block_stop",
          json::object{{"type", "content_block_stop"}, {"index", next_index_}});
    open_ = Kind::none;
    ++next_index_;
  }

  void delta(json::object d, std::string& out) {
    event(out, "content_block_delta",
          json::object{
              {"type", "content_block_delta"}, {"index", next_index_}, {"delta", std::move(d)}});
  }

  void text_like(Kind kind, std::string_view text, std::string& out) {
    if (!tools_.empty()) {  // after a tool call: held, sent after the tool blocks
      (kind == Kind::text ? late_text_ : late_thinking_) += text;
      return;
    }
    bool thinking = kind == Kind::thinking;
    if (open_ != kind)
      open_block(kind,
                 thinking ? json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}
                          : json::object{{"type", "text"}, {"text", ""}},
                 out);
    if (thinking && omit_reasoning_)
      thinking_ += text;  // sent in the block's signature when it closes
    else
      delta(thinking ? json::object{{"type", "thinking_delta"}, {"thinking", text}}
                     : json::object{{"type", "text_delta"}, {"text", text}},
            out);
  }

  void tool_delta(const ToolCallView& call, std::string& out) {
    std::int64_t index = call.index;
    bool is_new = !tools_.count(index);
    Tool& tool = tools_[index];
    if (!call.id.empty() && tool.id.empty()) tool.id = std::string(call.id);
    if (!call.name.empty() && tool.name.empty()) tool.name = std::string(call.name);
    std::string_view fragment = call.arguments;
    if (is_new && live_tool_ < 0) {
      live_tool_ = index;
      open_block(Kind::tool,
                 json::object{{"type", "tool_use"},
                              {"id", tool.id},
                              {"name", tool.name},
                              {"input", json::object()}},
                 out);
    }
    if (fragment.empty()) return;
    if (index == live_tool_ && open_ == Kind::tool)
      delta(json::object{{"type", "input_json_delta"}, {"partial_json", fragment}}, out);
    else
      tool.fragments.emplace_back(fragment);
  }

  // Closes the live block and sends what was held: the other tool calls, then late text.
  void finish_blocks(std::string& out) {
    close_block(out);
    for (auto& [index, tool] : tools_) {
      if (index == live_tool_) continue;  // streamed live; its block stayed open until now
      open_block(Kind::tool,
                 json::object{{"type", "tool_use"},
                              {"id", tool.id},
                              {"name", tool.name},
                              {"input", json::object()}},
                 out);
      for (const auto& f : tool.fragments)
        delta(json::object{{"type", "input_json_delta"}, {"partial_json", f}}, out);
      close_block(out);
    }
    tools_.clear();
    live_tool_ = -1;
    std::string thinking = std::move(late_thinking_), text = std::move(late_text_);
    late_thinking_.clear();
    late_text_.clear();
    if (!thinking.empty()) text_like(Kind::thinking, thinking, out);
    if (!text.empty()) text_like(Kind::text, text, out);
    close_block(out);
  }

  const bool omit_reasoning_;
  const std::int64_t prompt_estimate_;
  std::string thinking_;  // the open thinking block's text, when it is omitted
  bool started_ = false;
  Kind open_ = Kind::none;
  std::int64_t next_index_ = 0;
  std::int64_t live_tool_ = -1;
  std::map<std::int64_t, Tool> tools_;  // by upstream index, sent in index order
  std::string late_text_;
  std::string late_thinking_;
  std::string stop_reason_ = "end_turn";
};

}  // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(bool omit_reasoning,
                                                   std::int64_t prompt_estimate) {
  return std::make_unique<MessagesStreamEncoder>(omit_reasoning, prompt_estimate);
}

}  // namespace glmgate::anthropic
