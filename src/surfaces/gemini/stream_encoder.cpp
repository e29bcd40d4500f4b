// Gemini stream encoder; see stream_encoder.hpp.
#include "surfaces/gemini/stream_encoder.hpp"

#include <boost/json/serialize.hpp>
#include <map>

#include "canonical/json_checks.hpp"
#include "surfaces/gemini/generate_response.hpp"

namespace glmgate::gemini {

namespace json = boost::json;

namespace {

class GenerateStreamEncoder final : public StreamEncoder {
 public:
  explicit GenerateStreamEncoder(bool json_array) : json_array_(json_array) {}

  Headers headers() const override {
    if (json_array_) return {{"content-type", "application/json"}};
    return {{"content-type", "text/event-stream"}, {"cache-control", "no-cache"}};
  }

  void chunk(json::object& chunk, std::string& out) override {
    if (model_.empty()) {
      model_ = std::string(string_or_empty(chunk, "model"));
      id_ = std::string(string_or_empty(chunk, "id"));
    }
    const json::object* first = first_choice(chunk);
    if (!first) return;
    const auto& choice = *first;
    json::array parts;
    if (auto d = choice.find("delta"); d != choice.end() && d->value().is_object()) {
      const auto& delta = d->value().get_object();
      if (auto r = string_or_empty(delta, "reasoning_content"); !r.empty())
        parts.push_back(json::object{{"text", r}, {"thought", true}});
      if (auto t = string_or_empty(delta, "content"); !t.empty())
        parts.push_back(json::object{{"text", t}});
      for (const auto& call : tool_calls_of(delta))
        buffer_call(call);
    }
    if (auto f = string_or_empty(choice, "finish_reason"); !f.empty())
      finish_ = std::string(finish_reason(f));
    if (!parts.empty()) emit(response(std::move(parts)), out);
  }

  void error(const ApiError& e, std::string& out) override {
    if (json_array_) {
      out += opened_ ? "," : "[";
      opened_ = true;
      out += error_body(e);
      out += "]";
      return;
    }
    out += "data: ";
    out += error_body(e);
    out += "\n\n";
  }

  void done(const std::optional<Usage>& usage, std::string& out) override {
    json::array parts;
    for (auto& [index, call] : calls_)
      parts.push_back(function_call_part(call.id, call.name, call.arguments));
    json::object last = response(std::move(parts));
    auto& candidate = last["candidates"].as_array()[0].as_object();
    candidate["finishReason"] = finish_;
    last["usageMetadata"] = usage_metadata(usage.value_or(Usage{}));
    emit(last, out);
    if (json_array_) out += "]";
  }

  std::string_view ping() const override {
    return json_array_ ? std::string_view("\n") : std::string_view(": ping\n\n");
  }

 private:
  struct Call {
    std::string id;
    std::string name;
    std::string arguments;
  };

  void buffer_call(const ToolCallView& c) {
    Call& call = calls_[c.index];
    if (!c.id.empty() && call.id.empty()) call.id = std::string(c.id);
    if (!c.name.empty() && call.name.empty()) call.name = std::string(c.name);
    call.arguments += c.arguments;
  }

  json::object response(json::array parts) const {
    return json::object{
        {"candidates",
         json::array{json::object{{"content", {{"role", "model"}, {"parts", std::move(parts)}}},
                                  {"index", 0}}}},
        {"modelVersion", model_},
        {"responseId", id_}};
  }

  void emit(const json::object& response, std::string& out) {
    if (json_array_) {
      out += opened_ ? ",\n" : "[";
      opened_ = true;
      out += json::serialize(response);
      return;
    }
    out += "data: ";
    out += json::serialize(response);
    out += "\n\n";
  }

  bool json_array_;
  bool opened_ = false;
  std::string model_;
  std::string id_;
  std::string finish_ = "STOP";
  std::map<std::int64_t, Call> calls_;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_stream_encoder(bool json_array) {
  return std::make_unique<GenerateStreamEncoder>(json_array);
}

}  // namespace glmgate::gemini
