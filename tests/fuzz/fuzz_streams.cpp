// Fuzz target: the stream encoders (Anthropic, Gemini SSE and JSON array, OpenAI) and the
// response encoders on arbitrary canonical chunks. Input: a JSON array of chunk objects (anything
// else is ignored); the first byte picks the encoder and whether the stream ends or fails.
// With its top bit set, the array holds Anthropic upstream events for the upstream stream
// decoder instead. Whatever the upstream sends, the converters must not crash.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/anthropic/upstream_codec.hpp"
#include "surfaces/anthropic/anthropic_surface.hpp"
#include "surfaces/gemini/gemini_surface.hpp"
#include "surfaces/openai/openai_surface.hpp"
#include "surfaces/responses/responses_surface.hpp"

namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return 0;
  if (data[0] & 128) {  // Anthropic upstream events: [{"event", "data"}...] into canonical chunks
    glmgate::anthropic::UpstreamStreamDecoder decoder;
    for (const auto& item : v.get_array()) {
      if (!item.is_object()) continue;
      auto e = item.get_object().find("event");
      auto d = item.get_object().find("data");
      if (e == item.get_object().end() || !e->value().is_string() || d == item.get_object().end() ||
          !d->value().is_object())
        continue;
      glmgate::anthropic::UpstreamStreamDecoder::Output out;
      decoder.feed(e->value().get_string(), d->value().get_object(), out);
    }
    for (const auto& item : v.get_array())
      if (item.is_object()) (void)glmgate::anthropic::completion_from_message(item.get_object());
    return 0;
  }
  static const glmgate::openai::OpenAiSurface openai;
  static const glmgate::anthropic::AnthropicSurface anthropic;
  static const glmgate::gemini::GeminiSurface gemini;
  static const glmgate::responses::ResponsesSurface responses;
  const glmgate::Surface* surfaces[] = {&openai, &anthropic, &gemini, &responses};
  const glmgate::Surface& surface = *surfaces[data[0] % 4];
  glmgate::CanonicalRequest request;
  request.include_usage = data[0] & 8;
  request.json_array_stream = data[0] & 16;
  auto encoder = surface.stream_encoder(request);
  std::string out;
  for (auto& item : v.get_array()) {
    if (!item.is_object()) continue;
    json::object chunk = item.get_object();
    encoder->chunk(chunk, out);
    json::object response = item.get_object();
    (void)surface.encode_response(response, request);
  }
  if (data[0] & 32) {
    encoder->error(glmgate::ApiError::upstream("broken"), out);
  } else {
    glmgate::Usage usage;
    usage.prompt_tokens = 3;
    usage.completion_tokens = 5;
    encoder->done(data[0] & 64 ? std::optional<glmgate::Usage>(usage) : std::nullopt, out);
  }
  return 0;
}
