// What the two dispatch steps (dispatch.cpp, dispatch_stream.cpp) and settle share: watching the
// client while the upstream works, and counting what was generated for an estimate. Internal to
// the gateway; same threading as Call.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "gateway/call.hpp"

namespace glmgate::steps {

inline constexpr int kClientClosedStatus = 499;  // nginx's "client closed request", for records

// Cancels the upstream call when the client goes away; the exchange calls back on this
// connection's thread.
void watch_client(Call& call);
// Once the upstream call is open: the request's DOM freed and the call's arena given back.
void release_request(Call& call);

// The characters generated in a chunk's deltas (`part` "delta") or an answer's messages
// ("message"): what an estimate counts when the upstream reports no usage.
std::size_t generated_chars(const boost::json::object& completion, std::string_view part);

// Usage for the record and the charge: the upstream's, or an estimate when it sent none but
// generated something (a client that left mid-stream pays for the prompt and what was produced).
void finish_usage(Call& call);

}  // namespace glmgate::steps
