// The glmgate command line: `serve` and the operator commands (keys, accounts, credits, ledger,
// usage, users, pause, migrate, store copy). Each command returns the process exit code; errors are
// printed to stderr with what to do about them. The operator commands go through the same services
// as the admin API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace glmgate::cli {

int run(int argc, char** argv);

int serve(const std::optional<std::string>& config_path);
int migrate(const std::optional<std::string>& config_path);
// Copies every row of the store at `from_url` into the empty store at `to_url` and checks the copy.
int store_copy(const std::string& from_url, const std::string& to_url);

struct KeyCreateOptions {
  std::string name;
  std::string account;
  bool admin = false;
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;
  std::int64_t max_concurrency = 0;
  bool json = false;
};
int keys_create(const std::optional<std::string>& config_path, const KeyCreateOptions& options);
int keys_list(const std::optional<std::string>& config_path, const std::string& account, bool json);
int keys_revoke(const std::optional<std::string>& config_path, const std::string& id);

int accounts_create(const std::optional<std::string>& config_path, const std::string& name,
                    bool json);
int accounts_list(const std::optional<std::string>& config_path, bool json);

struct CreditsOptions {
  std::string account;
  std::string amount;
  std::string note;
  bool adjustment = false;
  bool json = false;
};
int credits_change(const std::optional<std::string>& config_path, const CreditsOptions& options);
int credits_show(const std::optional<std::string>& config_path, const std::string& account,
                 bool json);
int ledger(const std::optional<std::string>& config_path, const std::string& account, bool json);

struct UsageOptions {
  std::string account;
  std::string since;
  std::string format = "table";
  std::string group_by;
  std::int64_t limit = 100;
};
int usage(const std::optional<std::string>& config_path, const UsageOptions& options);

struct UserOptions {
  std::string account;  // invite: the member's account (name or id); list: only its members
  std::string email;
  bool json = false;
};
int users_invite(const std::optional<std::string>& config_path, const UserOptions& options);
int users_create(const std::optional<std::string>& config_path, const UserOptions& options);
int users_reset(const std::optional<std::string>& config_path, const UserOptions& options);
int users_list(const std::optional<std::string>& config_path, const UserOptions& options);
int users_set_disabled(const std::optional<std::string>& config_path, const std::string& id,
                       bool disabled);

int webhooks_secret(const std::optional<std::string>& config_path, const std::string& account,
                    bool json);
int set_paused(const std::optional<std::string>& config_path, bool paused);

}  // namespace glmgate::cli
