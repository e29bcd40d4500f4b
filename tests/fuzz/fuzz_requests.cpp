// Fuzz target: every surface's request decoder on arbitrary bytes. The first byte picks the
// surface (OpenAI chat, Anthropic messages, Gemini generateContent, OpenAI Responses); the rest
// is the body.
// Decoders must answer any input with a value or a 400, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/anthropic/upstream_codec.hpp"
#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/gemini/count_tokens.hpp"
#include "surfaces/gemini/generate_request.hpp"
#include "surfaces/openai/chat_request.hpp"
#include "surfaces/responses/responses_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      // Also the request toward an Anthropic upstream, from whatever decoded.
      auto decoded = glmgate::openai::decode_chat_request(body);
      if (decoded) (void)glmgate::anthropic::encode_request(decoded->body, "m", data[0] & 4);
      break;
    }
    case 1:
      (void)glmgate::anthropic::decode_messages_request(body);
      break;
    case 2:
      (void)glmgate::anthropic::decode_messages_request(body, {}, false);
      break;
    case 3:
      (void)glmgate::gemini::decode_generate_request(body, "m", data[0] & 4);
      (void)glmgate::gemini::count_tokens(body, "m");
      break;
    default:
      (void)glmgate::responses::decode_responses_request(body);
      break;
  }
  return 0;
}
