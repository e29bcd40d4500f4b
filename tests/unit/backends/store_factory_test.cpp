// The store factory: a URL's scheme picks the backend; an unknown scheme or none is an error that
// names the config key, the scheme and the schemes known, and never the rest of the URL (it may
// hold a password).
#include "backends/store_factory.hpp"

#include <gtest/gtest.h>

#include <string>

namespace glmgate {
namespace {

std::string open_error(const std::string& url) {
  try {
    open_store(url);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << url;
  return "";
}

TEST(StoreFactory, AnUnknownSchemeNamesTheKeyTheSchemeAndTheSchemesKnownButNoSecret) {
  std::string message = open_error("mysql://glm:hunter2@db.internal/glmgate");
  EXPECT_NE(message.find("config key store"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown scheme \"mysql\""), std::string::npos) << message;
  EXPECT_NE(message.find("the schemes known are: sqlite, postgres, postgresql"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_EQ(message.find("db.internal"), std::string::npos) << message;
}

TEST(StoreFactory, AUrlWithoutASchemeSaysWhatOneLooksLike) {
  std::string message = open_error("./data/glmgate.db");
  EXPECT_NE(message.find("no scheme"), std::string::npos) << message;
  EXPECT_NE(message.find("sqlite:PATH"), std::string::npos) << message;
}

TEST(StoreFactory, KnowsSqliteAndPostgres) {
  auto schemes = store_schemes();
  ASSERT_EQ(schemes.size(), 3u);
  EXPECT_EQ(schemes[0], "sqlite");
  EXPECT_EQ(schemes[1], "postgres");
  EXPECT_EQ(schemes[2], "postgresql");
}

}  // namespace
}  // namespace glmgate
