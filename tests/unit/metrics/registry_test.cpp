// The metrics registry renders the Prometheus text format: HELP and TYPE per family, a series
// per label set (empty values left out, values escaped), cumulative histogram buckets ending in
// +Inf with _sum and _count, and gauges read at render time.
#include "metrics/registry.hpp"

#include <gtest/gtest.h>

namespace glmgate::metrics {
namespace {

TEST(MetricsRegistry, RendersCountersHistogramsAndGaugesInTheTextFormat) {
  Registry r;
  Counter& requests = r.counter("glmgate_requests_total", "Requests.", {"surface", "status"});
  Histogram& latency = r.histogram("x_seconds", "Latency.", {"model", "error_type"}, {0.1, 1});
  double depth = 3;
  r.gauge("glmgate_writer_queue_depth", "Queued.", [&] { return depth; });
  requests.add({"openai", "200"});
  requests.add({"openai", "200"});
  requests.add({"anthropic", "429"}, 2);
  latency.observe({"m\"1", ""}, 0.05);
  latency.observe({"m\"1", ""}, 0.5);
  latency.observe({"m\"1", ""}, 5);
  depth = 7;
  const std::string out = r.render();
  EXPECT_NE(out.find("# HELP glmgate_requests_total Requests.\n"
                     "# TYPE glmgate_requests_total counter\n"),
            std::string::npos);
  EXPECT_NE(out.find("glmgate_requests_total{surface=\"openai\",status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("glmgate_requests_total{surface=\"anthropic\",status=\"429\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{model=\"m\\\"1\",le=\"0.1\"} 1\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("x_seconds_bucket{model=\"m\\\"1\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{model=\"m\\\"1\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_sum{model=\"m\\\"1\"} 5.55"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_count{model=\"m\\\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE glmgate_writer_queue_depth gauge\nglmgate_writer_queue_depth 7\n"),
            std::string::npos);
  // Families in the order made.
  EXPECT_LT(out.find("glmgate_requests_total"), out.find("x_seconds"));
}

}  // namespace
}  // namespace glmgate::metrics
