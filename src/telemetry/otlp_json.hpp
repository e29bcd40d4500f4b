// The OTLP/HTTP JSON body of a batch of spans (ExportTraceServiceRequest as protobuf's JSON
// mapping: ids in hex, 64-bit integers as strings), under one resource named `service`.
// Pure; any thread.
#pragma once

#include <string>
#include <vector>

#include "telemetry/spans.hpp"

namespace glmgate {

std::string otlp_traces_json(const std::vector<Span>& spans, const std::string& service);

}  // namespace glmgate
