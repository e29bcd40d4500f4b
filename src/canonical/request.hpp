// The canonical request: what every surface decodes its wire request into and every provider
// encodes for its upstream. Its body is the OpenAI Chat Completions request as a JSON object
// (unknown fields kept as sent); the fields beside it are what the pipeline and the encoders need
// to know of the client's request that the body does not carry. A plain value owned by one
// request's coroutine.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace glmgate {

// An input item that names an earlier output item by ID (Responses' item_reference).
struct ItemReference {
  std::string id;
  std::string param;  // where it was: "input[3]"
};

struct CanonicalRequest {
  CanonicalRequest() = default;
  // Moves `body` in without copying it out of its storage (a request arena). `echo` stays in the
  // default storage: the pipeline frees the arena once the upstream call has the body, before the
  // response and stream encoders read `echo`.
  explicit CanonicalRequest(boost::json::object b) : body(std::move(b)) {}

  boost::json::object body;  // OpenAI Chat Completions request; unknown fields kept as sent
  std::string model;         // public model ID
  bool stream = false;
  bool include_usage = false;      // the client asked for the usage chunk
  bool json_array_stream = false;  // Gemini without alt=sse: the stream is one JSON array
  bool omit_reasoning = false;     // Anthropic thinking.display "omitted": no thinking text
  // Set by the pipeline: the prompt tokens it charges a stream that ends without usage, which a
  // surface may report before the upstream's usage arrives.
  std::int64_t prompt_estimate = 0;
  // Responses only.
  bool continuable = false;          // a later previous_response_id may continue this turn
  bool store = true;                 // keep the output (the client's `store`)
  bool background = false;           // run as a task and answer "queued" at once
  std::string previous_response_id;  // continue from this stored response
  std::size_t turn_start = 0;        // the first message of this turn's input (after instructions)
  boost::json::object echo;          // request fields the response object repeats
  std::vector<ItemReference> item_references;  // to resolve, then decode_resolved()
  bool encrypted_reasoning = false;            // include: reasoning.encrypted_content
};

}  // namespace glmgate
