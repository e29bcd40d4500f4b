// Mapping of upstream failures to glmgate's ApiError: HTTP statuses, OpenAI-style error bodies,
// Z.ai's `{"error":{"code":"1302"}}` business codes, and transport failures. The upstream's
// message is kept, its key never: every string of an upstream error body is redacted before any
// of it is read, and an upstream `code` passes on only when it is shaped like a code. Pure
// functions.
#pragma once

#include <string>
#include <string_view>

#include "core/api_error.hpp"
#include "providers/upstream_client.hpp"

namespace glmgate {

ApiError map_upstream_response(std::string_view provider, int status, std::string_view body,
                               std::string_view provider_key);

ApiError map_transport_error(std::string_view provider, const UpstreamError& error);

// `text` with `secret` and anything shaped like an API key ("sk-…") masked.
std::string redact(std::string_view text, std::string_view secret);

}  // namespace glmgate
