// The public routes' table: the paths a task may run and their surfaces, and what the router
// makes of the public paths once they are registered (parameters, 405 material).
#include <gtest/gtest.h>

#include "api/routes.hpp"
#include "gateway/fakes.hpp"

namespace glmgate::testing {
namespace {

TEST(PublicRoutes, TellsTasksWhichPathsTheyMayRunFromTheRouteTable) {
  PipelineRig rig;
  PublicRoutes routes(rig.pipeline());
  auto surface = [&](const std::string& path) {
    const Surface* s = routes.surface_for(path);
    return s ? std::string(s->name()) : std::string("none");
  };
  EXPECT_EQ(surface("/v1/chat/completions"), "openai");
  EXPECT_EQ(surface("/v1/messages"), "anthropic");
  EXPECT_EQ(surface("/v1/responses"), "responses");
  EXPECT_EQ(surface("/v1beta/models/m:generateContent"), "gemini");
  EXPECT_EQ(surface("/v1/models/Qwen/Qwen3-8B:generateContent"), "gemini");
  // Streams, token counts and whatever is not a generation are not for tasks.
  EXPECT_EQ(surface("/v1beta/models/m:streamGenerateContent"), "none");
  EXPECT_EQ(surface("/v1/models/m:countTokens"), "none");
  EXPECT_EQ(surface("/v1/responses/resp_1"), "none");
  EXPECT_EQ(surface("/v1/models"), "none");
}

TEST(PublicRoutes, RegistersPatternsTheRouterMatches) {
  PipelineRig rig;
  PublicRoutes routes(rig.pipeline());
  Router router;
  routes.register_on(router);
  EXPECT_EQ(router.allowed_methods("/v1/chat/completions"), "POST");
  EXPECT_EQ(router.allowed_methods("/v1/models"), "GET, HEAD");
  EXPECT_EQ(router.allowed_methods("/v1/models/m"), "GET, HEAD");
  EXPECT_EQ(router.allowed_methods("/v1/models/m:generateContent"), "GET, HEAD, POST");
  bool matched = false;
  PathParams params;
  ASSERT_NE(router.find("POST", "/v1beta/models/qwen3:8b:countTokens", matched, &params), nullptr);
  ASSERT_FALSE(params.empty());
  EXPECT_EQ(params[0].name, "model");
  EXPECT_EQ(params[0].value, "qwen3:8b");
  // Gemini's paths answer errors before any handler (a 413) in Gemini's shape, under /v1/ too.
  HttpResponse r = router.render_error("/v1/models/m:generateContent", ApiError::body_too_large(1));
  EXPECT_NE(r.body.find("\"status\""), std::string::npos);
  r = router.render_error("/v1/chat/completions", ApiError::body_too_large(1));
  EXPECT_EQ(r.body.find("\"status\""), std::string::npos);
}

}  // namespace
}  // namespace glmgate::testing
