// The model catalog as the three list shapes clients expect from GET /v1/models and
// /v1/models/{id}: OpenAI's ({object:"list", data:[{id, object:"model", created, owned_by...}]},
// with glmgate's limits and prices), Anthropic's ({data:[{type:"model", id, display_name,
// created_at...}], has_more, first_id, last_id}) and Gemini's ({models:[{name:"models/{id}",
// displayName, inputTokenLimit...}]}). Every body is serialized once at construction (some
// clients list models before every request); afterwards the object is immutable and shared by all
// threads.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "http/message.hpp"

namespace glmgate {

enum class ListShape { openai, anthropic, gemini };

// The shape a caller of /v1/models expects, from how it presents its key: x-goog-api-key or
// ?key= is Gemini's SDK; x-api-key or an anthropic-version header (the Anthropic SDK sends its key
// as a Bearer token beside it) is Anthropic's; anything else is OpenAI's.
ListShape list_shape(const HttpRequest& request);

// "2.5", "30", "0.000001": nano-USD as a plain decimal number of USD, exact, without exponent.
std::string decimal_usd(NanoUsd nano);

class ModelLists {
 public:
  explicit ModelLists(const std::vector<ModelConfig>& models);
  const std::string& list(ListShape shape) const { return lists_[index(shape)]; }
  // One model's body, or null when there is no such model. Gemini's may be named "models/{id}".
  const std::string* find(ListShape shape, std::string_view id) const;

 private:
  static int index(ListShape shape) { return static_cast<int>(shape); }
  std::string lists_[3];
  std::unordered_map<std::string, std::string> models_[3];
};

}  // namespace glmgate
