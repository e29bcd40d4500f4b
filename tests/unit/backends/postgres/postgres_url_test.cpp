// What the PostgreSQL backend does without a server: a store URL is named in messages without its
// password, wherever the URL holds it; a server that cannot be reached fails the open with
// StoreUnavailable, a message naming the store but not the password; a batch's arrays carry any
// text as PostgreSQL's array input reads it.
#include <gtest/gtest.h>

#include <stdexcept>

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

// The layout array_recv reads: dimensions, null flag, element OID, length and lower bound, then
// each element's length and bytes. Whether PostgreSQL takes it is the store contract suite's part
// (tests/postgres), which round-trips quotes, backslashes and braces through every table.
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

TEST(PgArray, TextElementsGoUnescapedWithTheirLengthsAndNullsAsMinusOne) {
  PgArray a(PgType::kText);
  a.text("a\\\"").null().text("");
  EXPECT_EQ(a.take(),
            bytes({0,  0,  0,  1,  0,   0,    0,   1, 0, 0, 0, 25, 0, 0, 0, 3, 0, 0, 0, 1,  //
                   0,  0,  0,  3,  'a', '\\', '"',                                          //
                   -1, -1, -1, -1,                                                          //
                   0,  0,  0,  0}));
  // Taken, the array starts again empty: no dimension at all.
  EXPECT_EQ(a.take(), bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25}));
}

TEST(PgArray, IntegersAreBigEndianInTheArraysOwnWidth) {
  PgArray big(PgType::kBigint);
  big.integer(-2);
  EXPECT_EQ(big.take(),
            bytes({0, 0, 0, 1, 0,  0,  0,  0,  0,  0,  0,  20, 0, 0, 0, 1, 0, 0, 0, 1,  //
                   0, 0, 0, 8, -1, -1, -1, -1, -1, -1, -1, -2}));
  PgArray small(PgType::kInteger);
  small.integer(258);
  PgArray flags(PgType::kBoolean);
  flags.boolean(true).boolean(false);
  EXPECT_EQ(small.take(), bytes({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 1, 0, 0, 0, 1,  //
                                 0, 0, 0, 4, 0, 0, 1, 2}));
  EXPECT_EQ(flags.take(), bytes({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0, 1,  //
                                 0, 0, 0, 1, 1, 0, 0, 0, 1, 0}));
}

TEST(PgArray, AnElementOfAnotherKindIsRefused) {
  PgArray a(PgType::kBigint);
  EXPECT_THROW(a.text("1"), std::logic_error);
  EXPECT_THROW(PgArray(PgType::kText).integer(1), std::logic_error);
  EXPECT_THROW(pg_type("numeric"), std::invalid_argument);
  auto arrays = pg_arrays(std::vector<std::string_view>{"text", "integer"});
  EXPECT_EQ(arrays[1].type(), PgType::kInteger);
}

}  // namespace
}  // namespace glmgate
