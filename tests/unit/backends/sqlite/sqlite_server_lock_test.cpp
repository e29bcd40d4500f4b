// One server per SQLite file: a second `serve` store on the same file is refused, naming the
// process that holds it and the lock file; the CLI's stores open beside it; once the first is
// gone (however it ended: the lock is the kernel's), a new server opens the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "backends/store_factory.hpp"
#include "store_fixture.hpp"

namespace glmgate {
namespace {

TEST(SqliteServerLock, RefusesASecondServerNamingTheFirstWhileTheCliWorks) {
  auto dir = fresh_test_dir("lock");
  const std::string db = (dir / "g.db").string();
  const std::string url = "sqlite:" + db;
  auto server = open_store(url, {.serve = true});
  try {
    open_store(url, {.serve = true});
    ADD_FAILURE() << "a second server opened the store";
  } catch (const StoreBusy& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
    EXPECT_NE(message.find(db + ".lock"), std::string::npos) << message;
  }
  auto cli = open_store(url);  // the CLI beside the server
  AccountRecord a;
  a.id = "acct_x";
  a.name = "x";
  cli->insert_account(a);
  EXPECT_TRUE(server->find_account("x"));
  server.reset();
  auto next = open_store(url, {.serve = true});
  EXPECT_TRUE(next->find_account("x"));
  next.reset();
  cli.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glmgate
