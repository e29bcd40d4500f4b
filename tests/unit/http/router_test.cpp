// Router: lookups, path parameters, and the Allow list of a path (HEAD wherever GET is); the
// path patterns it matches with.
#include <gtest/gtest.h>

#include "core/api_error.hpp"
#include "http/router.hpp"

namespace glmgate {
namespace {

Handler noop() {
  return [](Exchange&) -> boost::asio::awaitable<void> { co_return; };
}

TEST(Router, ListsTheMethodsAPathAccepts) {
  Router r;
  r.add("GET", "/v1/models", noop());
  r.add("GET", "/v1/models/{model}", noop());
  r.add("POST", "/v1/chat/completions", noop());
  r.add("GET", "/v1/responses/{id}", noop());
  r.add("DELETE", "/v1/responses/{id}", noop());
  r.add("POST", "/v1/responses/{id}", noop());
  EXPECT_EQ(r.allowed_methods("/v1/models"), "GET, HEAD");
  EXPECT_EQ(r.allowed_methods("/v1/models/glm"), "GET, HEAD");
  EXPECT_EQ(r.allowed_methods("/v1/chat/completions"), "POST");
  EXPECT_EQ(r.allowed_methods("/v1/responses/resp_1"), "GET, HEAD, POST, DELETE");
  EXPECT_EQ(r.allowed_methods("/v1/responses/"), "");
  EXPECT_EQ(r.allowed_methods("/nope"), "");

  bool matched = false;
  EXPECT_NE(r.find("GET", "/v1/models", matched), nullptr);
  EXPECT_EQ(r.find("POST", "/v1/models", matched), nullptr);
  EXPECT_TRUE(matched);
  EXPECT_EQ(r.find("GET", "/nope", matched), nullptr);
  EXPECT_FALSE(matched);
}

TEST(Router, HandsTheParametersOfTheRouteThatMatched) {
  Router r;
  r.add("GET", "/v1/responses/{id}", noop());
  r.add("POST", "/v1/responses/{id}/cancel", noop());
  r.add("POST", "/v1beta/models/{model...}:countTokens", noop());
  r.add("POST", "/v1beta/models/{model...}:{method}", noop());
  bool matched = false;
  PathParams params;
  const Handler* cancel = r.find("POST", "/v1/responses/resp_1/cancel", matched, &params);
  ASSERT_NE(cancel, nullptr);
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].name, "id");
  EXPECT_EQ(params[0].value, "resp_1");

  // Added first, the literal suffix wins over the parameter.
  params.clear();
  const Handler* count = r.find("POST", "/v1beta/models/glm:countTokens", matched, &params);
  params.clear();
  const Handler* other =
      r.find("POST", "/v1beta/models/qwen3:8b:generateContent", matched, &params);
  ASSERT_NE(count, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(count, other);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].value, "qwen3:8b");  // split at the last ':'
  EXPECT_EQ(params[1].name, "method");
  EXPECT_EQ(params[1].value, "generateContent");

  // A method the path does not take: 405 material, and no parameters left behind.
  params.clear();
  EXPECT_EQ(r.find("DELETE", "/v1/responses/resp_1", matched, &params), nullptr);
  EXPECT_TRUE(matched);
  EXPECT_TRUE(params.empty());
  EXPECT_EQ(r.allowed_methods("/v1/responses/resp_1/cancel"), "POST");
  EXPECT_EQ(r.allowed_methods("/v1/responses/a/b"), "");
}

TEST(Router, AnswersErrorsInTheShapeOfTheRouteOrPrefix) {
  Router r;
  auto shaped = [](int tag) {
    return [tag](const ApiError& e) {
      return HttpResponse{e.status, "application/json", {}, std::to_string(tag)};
    };
  };
  r.set_error_renderer("/", shaped(1));
  r.set_error_renderer("/v1beta", shaped(2));
  r.add("POST", "/v1/models/{model}:{method}", noop(), shaped(3));
  r.add("GET", "/v1/models/{model}", noop());
  ApiError e = ApiError::body_too_large(10);
  EXPECT_EQ(r.render_error("/v1/models/glm:generateContent", e).body, "3");
  EXPECT_EQ(r.render_error("/v1/models/glm", e).body, "1");
  EXPECT_EQ(r.render_error("/v1beta/models/x", e).body, "2");
}

TEST(PathPattern, MatchesSegmentsParametersAndTheRest) {
  PathPattern literal("/v1/models");
  EXPECT_TRUE(literal.literal());
  EXPECT_TRUE(literal.match("/v1/models", nullptr));
  EXPECT_FALSE(literal.match("/v1/models/", nullptr));

  PathPattern one("/v1/models/{model}");
  EXPECT_TRUE(one.match("/v1/models/glm-4.6", nullptr));
  EXPECT_FALSE(one.match("/v1/models/", nullptr));  // a parameter is never empty
  EXPECT_FALSE(one.match("/v1/models/Qwen/Qwen3", nullptr));
  EXPECT_FALSE(one.match("/v1/model/x", nullptr));

  PathPattern rest("/v1/models/{model...}");
  PathParams params;
  EXPECT_TRUE(rest.match("/v1/models/Qwen/Qwen3-8B", &params));
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].value, "Qwen/Qwen3-8B");

  PathPattern method("/v1beta/models/{model...}:generateContent");
  EXPECT_TRUE(method.match("/v1beta/models/glm:generateContent", nullptr));
  EXPECT_FALSE(method.match("/v1beta/models/glm:streamGenerateContent", nullptr));
  EXPECT_FALSE(method.match("/v1beta/models/:generateContent", nullptr));
  EXPECT_FALSE(method.match("/v1beta/models/glm", nullptr));
}

TEST(PathPattern, RefusesMalformedPatternsNamingThem) {
  for (const char* bad :
       {"v1/models", "/v1/{}", "/v1/{a", "/v1/x{a}", "/v1/{a...}/b", "/v1/{a}:"}) {
    try {
      PathPattern p(bad);
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace glmgate
