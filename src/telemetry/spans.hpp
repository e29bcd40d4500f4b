// Span and SpanSink: the spans glmgate traces its calls with (one per call, one per upstream
// attempt, as OpenTelemetry's GenAI conventions name them) and where they go: the OTLP exporter
// (telemetry/otlp_exporter.hpp) when `otlp_endpoint` is set. A Span is a plain value; ids are
// lower-case hex (trace 32 characters, span 16), as W3C traceparent and OTLP/JSON write them.
// Threading: add() is called on I/O threads at a call's end and never blocks on I/O.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace glmgate {

struct SpanAttribute {
  std::string key;
  std::variant<std::string, std::int64_t, double, bool> value;
};

struct Span {
  enum class Kind : unsigned char { internal = 1, server = 2, client = 3 };
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;  // empty: a root
  std::string name;
  Kind kind = Kind::internal;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  bool error = false;
  std::string status_message;  // with error
  std::vector<SpanAttribute> attributes;
};

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Takes the spans of one call; never waits (a full queue drops them, counted).
  virtual void add(std::vector<Span> spans) = 0;
};

// A new id of `bytes` random bytes in hex (16 for a trace, 8 for a span); never all zeros.
std::string new_trace_id();
std::string new_span_id();

}  // namespace glmgate
