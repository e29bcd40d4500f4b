// Standard Webhooks signing: the specification's published example, new secrets that verify, and
// secrets that are not whsec_ base64.
#include <gtest/gtest.h>

#include "tasks/webhook_signature.hpp"

namespace glmgate {
namespace {

TEST(WebhookSignature, MatchesTheSpecificationExample) {
  // From the Standard Webhooks reference libraries' tests.
  auto sig = sign_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                          1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(sig);
  EXPECT_EQ(*sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, ChangesWithEveryPart) {
  const std::string secret = new_webhook_secret();
  auto base = sign_webhook(secret, "msg_1", 100, "{}");
  ASSERT_TRUE(base);
  EXPECT_NE(base, sign_webhook(secret, "msg_2", 100, "{}"));
  EXPECT_NE(base, sign_webhook(secret, "msg_1", 101, "{}"));
  EXPECT_NE(base, sign_webhook(secret, "msg_1", 100, "{ }"));
  EXPECT_NE(base, sign_webhook(new_webhook_secret(), "msg_1", 100, "{}"));
}

TEST(WebhookSignature, NewSecretsAreWhsecBase64OfThirtyTwoBytes) {
  const std::string secret = new_webhook_secret();
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  auto key = base64_decode(secret.substr(6));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 32u);
  EXPECT_NE(secret, new_webhook_secret());
}

TEST(WebhookSignature, RefusesMalformedSecrets) {
  EXPECT_FALSE(sign_webhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}"));  // no prefix
  EXPECT_FALSE(sign_webhook("whsec_", "m", 1, "{}"));
  EXPECT_FALSE(sign_webhook("whsec_abc", "m", 1, "{}"));  // not padded base64
}

TEST(Base64, RoundTripsEveryPaddingLength) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("abcd"), std::string("\0\xff\x10", 3)}) {
    std::string encoded = base64_encode(s);
    if (s.empty()) {
      EXPECT_EQ(encoded, "");
      continue;
    }
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(base64_encode("ab"), "YWI=");
}

}  // namespace
}  // namespace glmgate
