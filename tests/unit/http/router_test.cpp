// Router: lookups, and the Allow list of a path (HEAD wherever GET is).
#include <gtest/gtest.h>

#include "http/router.hpp"

namespace glmgate {
namespace {

Handler noop() {
  return [](Exchange&) -> boost::asio::awaitable<void> { co_return; };
}

TEST(Router, ListsTheMethodsAPathAccepts) {
  Router r;
  r.add("GET", "/v1/models", noop());
  r.add_prefix("GET", "/v1/models/", noop());
  r.add("POST", "/v1/chat/completions", noop());
  r.add_prefix("GET", "/v1/responses/", noop());
  r.add_prefix("DELETE", "/v1/responses/", noop());
  r.add_prefix("POST", "/v1/responses/", noop());
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

}  // namespace
}  // namespace glmgate
