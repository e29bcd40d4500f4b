// Helpers for tests against a real SQLite store: fresh_test_dir() (a directory of the running
// test's own, emptied first) and FundedStoreTest (a store there with one account holding kFunds,
// removed after the test).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "accounts/account_service.hpp"
#include "backends/store_factory.hpp"

namespace glmgate {

inline std::filesystem::path fresh_test_dir(std::string_view tag) {
  auto dir = std::filesystem::temp_directory_path() /
             ("glmgate-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

class FundedStoreTest : public ::testing::Test {
 protected:
  static constexpr NanoUsd kFunds = 10 * kNanoPerUsd;

  void SetUp() override {
    dir_ = fresh_test_dir("funded");
    store_ = open_store("sqlite:" + (dir_ / "g.db").string());
    AccountService service(*store_, *store_, *store_, "test");
    account_ = service.create_account("alice").id;
    service.grant(account_, kFunds, "");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::string account_;
};

}  // namespace glmgate
