// What the PostgreSQL backend does without a server: a store URL is named in messages without its
// password, wherever the URL holds it; a server that cannot be reached fails the open with
// StoreUnavailable, a message naming the store but not the password; a batch's arrays carry any
// text as PostgreSQL's array input reads it.
#include <gtest/gtest.h>

#include "backends/postgres/postgres_params.hpp"
#include "backends/postgres/postgres_url.hpp"
#include "backends/store_factory.hpp"

namespace glmgate {
namespace {

TEST(PostgresUrl, HidesThePasswordOfTheUserInfoAndOfAPasswordParameter) {
  EXPECT_EQ(redact_postgres_url("postgres://glm:hunter2@db:5432/glmgate?sslmode=require"),
            "postgres://glm:***@db:5432/glmgate?sslmode=require");
  EXPECT_EQ(redact_postgres_url("postgresql://glm@db/glmgate?password=hunter2&sslmode=verify-full"),
            "postgresql://glm@db/glmgate?password=***&sslmode=verify-full");
  EXPECT_EQ(redact_postgres_url("postgres://db:5432/glmgate"), "postgres://db:5432/glmgate");
  // An unescaped '@' or '/' in the password: hidden whole.
  EXPECT_EQ(redact_postgres_url("postgres://glm:hun@ter/2@db/glmgate"),
            "postgres://glm:***@db/glmgate");
}

TEST(PostgresUrl, ScrubsThePasswordAsWrittenAndDecodedFromAnyMessage) {
  auto secrets = postgres_url_secrets("postgres://glm:p%40ss@db/glmgate?password=other");
  EXPECT_EQ(scrub_postgres_secrets("bad token \"p%40ss\", then p@ss, then other", secrets),
            "bad token \"***\", then ***, then ***");
}

TEST(PostgresStore, AServerThatCannotBeReachedFailsTheOpenNamingTheStoreButNotItsPassword) {
  // Port 1 on the loopback: refused at once.
  const std::string url = "postgres://glm:hunter2@127.0.0.1:1/glmgate?connect_timeout=2";
  try {
    open_store(url);
    ADD_FAILURE() << "no error";
  } catch (const StoreUnavailable& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("postgres://glm:***@127.0.0.1:1/glmgate"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(PgArray, QuotesAndEscapesTextSoThatAnyTextRoundTrips) {
  PgArray a;
  a.text("plain").text("say \"hi\"").text("back\\slash").text("{a,b}").null().text("");
  EXPECT_EQ(a.take(), R"({"plain","say \"hi\"","back\\slash","{a,b}",NULL,""})");
  a.integer(-5).boolean(true).integer(7);
  EXPECT_EQ(a.take(), "{-5,t,7}");
  EXPECT_EQ(a.take(), "{}");
}

}  // namespace
}  // namespace glmgate
