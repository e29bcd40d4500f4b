// otlp_traces_json; see otlp_json.hpp.
#include "telemetry/otlp_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace glmgate {

namespace json = boost::json;

namespace {

json::object attribute(const SpanAttribute& a) {
  json::object value;
  std::visit(
      [&value](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          value["stringValue"] = v;
        else if constexpr (std::is_same_v<T, std::int64_t>)
          value["intValue"] = std::to_string(v);
        else if constexpr (std::is_same_v<T, double>)
          value["doubleValue"] = v;
        else
          value["boolValue"] = v;
      },
      a.value);
  return json::object{{"key", a.key}, {"value", std::move(value)}};
}

json::object span(const Span& s) {
  json::object o;
  o["traceId"] = s.trace_id;
  o["spanId"] = s.span_id;
  if (!s.parent_span_id.empty()) o["parentSpanId"] = s.parent_span_id;
  o["name"] = s.name;
  o["kind"] = static_cast<int>(s.kind);
  o["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
  o["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
  json::array attributes;
  for (const auto& a : s.attributes)
    attributes.push_back(attribute(a));
  o["attributes"] = std::move(attributes);
  json::object status;
  if (s.error) {
    status["code"] = 2;  // STATUS_CODE_ERROR
    status["message"] = s.status_message;
  } else {
    status["code"] = 0;  // unset: OTel leaves success to the backend
  }
  o["status"] = std::move(status);
  return o;
}

}  // namespace

std::string otlp_traces_json(const std::vector<Span>& spans, const std::string& service) {
  json::array list;
  for (const Span& s : spans)
    list.push_back(span(s));
  json::object resource{{"attributes", json::array{attribute({"service.name", service})}}};
  json::object scope_spans{{"scope", json::object{{"name", "glmgate"}}},
                           {"spans", std::move(list)}};
  json::object resource_spans{{"resource", std::move(resource)},
                              {"scopeSpans", json::array{std::move(scope_spans)}}};
  return json::serialize(json::object{{"resourceSpans", json::array{std::move(resource_spans)}}});
}

}  // namespace glmgate
