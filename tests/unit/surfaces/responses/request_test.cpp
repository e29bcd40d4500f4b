// The decoded Responses request's echo outlives the request arena.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "surfaces/responses/responses_request.hpp"

namespace glmgate::responses {
namespace {

namespace json = boost::json;

TEST(ResponsesRequest, EchoDoesNotLiveInTheRequestArena) {
  // The pipeline frees the arena once the upstream has the body; the encoders read echo later.
  json::monotonic_resource arena;
  auto decoded = decode_responses_request(
      R"({"model":"m","input":"x","instructions":"be brief","tools":[{"type":"function","name":"f"}]})",
      json::storage_ptr(&arena));
  ASSERT_TRUE(decoded);
  EXPECT_NE(decoded->echo.storage().get(), &arena);
  EXPECT_EQ(decoded->echo.at("instructions"), "be brief");
}

}  // namespace
}  // namespace glmgate::responses
