// The `encrypted_content` glmgate puts on reasoning items when a client asks for
// include: ["reasoning.encrypted_content"] (Codex always does; the AI SDK does with store: false).
// Such clients send reasoning back only in that field, and GLM needs its reasoning back with the
// tool results, so the field carries the reasoning text itself: base64 of
// {"glmgate":1,"reasoning_content":"..."}. It is not secret (the client saw the text already) and
// not signed: a client could as well send any reasoning as summary text. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace glmgate::responses {

std::string seal_reasoning(std::string_view text);
// The text of a token seal_reasoning() made; nullopt for anything else (another provider's
// opaque blob, garbage), which the caller then ignores.
std::optional<std::string> open_reasoning(std::string_view token);

}  // namespace glmgate::responses
