// What the fake provider answers to one request, steered by a directive in the last message
// ("fake: chunks=5 delay_ms=20 tool=get_weather") or the x-fake header, and the pre-built bodies
// and SSE events for it. Deterministic: the same request gives the same bytes. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace fake {

struct Scenario {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  std::string text = "Hello from the fake provider.";
  bool text_set = false;
  int chunks = 3;                  // content pieces in a stream
  int reasoning = 0;               // reasoning_content pieces before the content
  std::vector<std::string> tools;  // tool calls to make, by function name
  // Their arguments (a JSON text, `args=` percent-encoded after a `tool=`); empty: a fixed default.
  std::vector<std::string> tool_args;
  int delay_ms = 0;       // between stream events
  int head_delay_ms = 0;  // before the response head
  int status = 200;
  std::string zai_code;  // Z.ai business code for error bodies
  std::string code;      // the error body's `code`, any string (code=...): what a client must
                         // never see unredacted when it holds a secret
  std::string error_message = "fake upstream error";
  int fail_first = 0;        // fail only the first N attempts of one x-request-id
  std::string refuse_key;    // refuse_key=K: 401 for a request whose bearer key is K
  int retry_after = -1;      // retry_after=N: a Retry-After header of N seconds on errors
  int reset_after = -1;      // close the connection after N stream events
  int stall_after = -1;      // go silent after N stream events...
  int stall_ms = 0;          // ...for this long
  bool usage = true;         // send the usage chunk when asked
  bool usage_every = false;  // cumulative usage on every chunk (some upstreams)
  bool done = true;          // send data: [DONE]
  std::string finish;        // override finish_reason (length, sensitive, network_error...)
  int cached = 0;            // cached prompt tokens to report
  long prompt_tokens = 1;
  int max_tokens = 0;
  int n = 1;           // the request's `n`: that many choices, usage counting all of them
  bool fill = false;   // fill=1: each choice reports max_tokens completion tokens (a long answer)
  bool flood = false;  // flood=1: an endless, never-waiting answer (a broken or hostile upstream)
};

Scenario parse_scenario(const boost::json::object& request, std::string_view header_directive);

std::string reasoning_text();
// The arguments of the scenario's `i`th tool call.
std::string tool_arguments(const Scenario& s, std::size_t i);
long completion_tokens(const Scenario& s);
long reasoning_tokens(const Scenario& s);

std::string error_body(const Scenario& s);
std::string completion_body(const Scenario& s, const std::string& id);
// Complete SSE frames ("data: ...\n\n"), [DONE] included when the scenario says so.
std::vector<std::string> stream_events(const Scenario& s, const std::string& id);
// flood=1: one content event (about 1 KiB) the fake repeats until the client goes away, and the
// opening of a non-streamed body whose content it then fills the same way.
std::string flood_event(const Scenario& s, const std::string& id);
std::string flood_body_head(const Scenario& s, const std::string& id);

}  // namespace fake
