// Command-line parsing with CLI11; the commands themselves live in serve.cpp, keys.cpp,
// accounts.cpp, usage.cpp, users.cpp, webhooks.cpp, migrate.cpp and store_copy.cpp.
#include <CLI/CLI.hpp>
#include <iostream>

#include "accounts/service_error.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace glmgate::cli {

int run(int argc, char** argv) {
  CLI::App app{"glmgate: a self-hosted LLM API gateway"};
  app.require_subcommand(1);
  std::optional<std::string> config_path;
  app.add_option("--config", config_path,
                 "TOML config file (default: ./glmgate.toml when present, else built-in defaults)")
      ->check(CLI::ExistingFile);
  // Every subcommand accepts --config after its own arguments too.
  auto sub = [](CLI::App* parent, const char* name, const char* about) {
    auto* cmd = parent->add_subcommand(name, about);
    cmd->fallthrough();
    return cmd;
  };

  auto* serve_cmd = sub(&app, "serve", "Run the gateway");
  auto* migrate_cmd =
      sub(&app, "migrate", "Bring the store to this version's schema (serve does it too)");

  auto* store = sub(&app, "store", "Move an install between stores");
  store->require_subcommand(1);
  std::string copy_from, copy_to;
  auto* copy_cmd = sub(store, "copy",
                       "Copy every key, account, ledger row, usage record, output, task and "
                       "setting into an empty store, then check the copy");
  copy_cmd->add_option("--from", copy_from, "The store to copy (sqlite:PATH or postgres://...)")
      ->required();
  copy_cmd->add_option("--to", copy_to, "The empty store to fill; migrated first")->required();

  auto* keys = sub(&app, "keys", "Create, list and revoke API keys");
  keys->require_subcommand(1);
  KeyCreateOptions create;
  auto* create_cmd = sub(keys, "create", "Create a key and print it once");
  create_cmd->add_option("--account", create.account, "The account it bills (name or id)");
  create_cmd->add_option("--name", create.name, "A name for the key (default: the account's)");
  create_cmd->add_flag("--admin", create.admin, "The key may use the admin API");
  create_cmd->add_option("--rpm", create.rpm, "Requests per minute (default: tier or config)")
      ->check(CLI::NonNegativeNumber);
  create_cmd->add_option("--tpm", create.tpm, "Tokens per minute (default: tier, else none)")
      ->check(CLI::NonNegativeNumber);
  create_cmd->add_option("--max-concurrency", create.max_concurrency, "Requests in flight at once")
      ->check(CLI::NonNegativeNumber);
  create_cmd->add_flag("--json", create.json, "Print {\"id\",\"key\",\"prefix\",\"name\",...}");
  bool list_json = false;
  std::string list_account;
  auto* list_cmd = sub(keys, "list", "List keys (never their secrets)");
  list_cmd->add_option("--account", list_account, "Only this account's keys");
  list_cmd->add_flag("--json", list_json, "Print a JSON array");
  std::string revoke_id;
  auto* revoke_cmd = sub(keys, "revoke", "Revoke a key by id");
  revoke_cmd->add_option("id", revoke_id, "The key's id (key_...)")->required();

  auto* accounts = sub(&app, "accounts", "Create and list accounts");
  accounts->require_subcommand(1);
  std::string account_name;
  bool accounts_json = false;
  auto* acreate_cmd = sub(accounts, "create", "Create an account (balance 0)");
  acreate_cmd->add_option("name", account_name, "A unique name")->required();
  acreate_cmd->add_flag("--json", accounts_json, "Print the account as JSON");
  auto* alist_cmd = sub(accounts, "list", "List accounts with their stored balances");
  alist_cmd->add_flag("--json", accounts_json, "Print a JSON array");

  auto* credits = sub(&app, "credits", "Grant, adjust and show an account's credits");
  credits->require_subcommand(1);
  CreditsOptions change;
  auto* grant_cmd = sub(credits, "grant", "Add credits (USD) to an account");
  auto* adjust_cmd = sub(credits, "adjust", "Correct a balance by a signed amount (use -- -5)");
  for (auto* cmd : {grant_cmd, adjust_cmd}) {
    cmd->add_option("account", change.account, "Account name or id")->required();
    cmd->add_option("amount", change.amount, "USD, e.g. 10 or 2.50")->required();
    cmd->add_option("--note", change.note, "Why, for the ledger");
    cmd->add_flag("--json", change.json, "Print the ledger row as JSON");
  }
  std::string show_account;
  bool show_json = false;
  auto* show_cmd = sub(credits, "show", "Show balance, open reservations and spend");
  show_cmd->add_option("account", show_account, "Account name or id")->required();
  show_cmd->add_flag("--json", show_json,
                     "Print {\"account\",\"balance_usd\",\"reserved_usd\",...}");

  std::string ledger_account;
  bool ledger_json = false;
  auto* ledger_cmd = sub(&app, "ledger", "List every change to an account's balance");
  ledger_cmd->add_option("account", ledger_account, "Account name or id")->required();
  ledger_cmd->add_flag("--json", ledger_json, "Print a JSON array");

  UsageOptions usage_options;
  auto* usage_cmd = sub(&app, "usage", "Report usage records");
  usage_cmd->add_option("--account", usage_options.account, "Only this account (name or id)");
  usage_cmd->add_option("--since", usage_options.since,
                        "From a date, UTC time, unix seconds or age (24h, 7d)");
  usage_cmd->add_option("--format", usage_options.format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  usage_cmd->add_option("--group-by", usage_options.group_by, "model, day or model,day");
  usage_cmd->add_option("--limit", usage_options.limit, "Rows when not grouped (newest first)")
      ->check(CLI::Range(1, 1'000'000));

  auto* webhooks = sub(&app, "webhooks", "Webhook signing for task callbacks");
  webhooks->require_subcommand(1);
  std::string webhook_account;
  bool webhook_json = false;
  auto* secret_cmd =
      sub(webhooks, "secret", "Create or replace an account's signing secret (shown once)");
  secret_cmd->add_option("account", webhook_account, "Account name or id")->required();
  secret_cmd->add_flag("--json", webhook_json, "Print {\"account\",\"secret\"}");

  auto* users = sub(&app, "users", "Invite and manage the console's users (members, operators)");
  users->require_subcommand(1);
  UserOptions user_options;
  bool operator_flag = false;
  std::string user_id;
  auto* invite_cmd = sub(users, "invite",
                         "Invite a member of an account: prints a one-time link to set a password");
  invite_cmd->add_option("--account", user_options.account, "The member's account (name or id)")
      ->required();
  invite_cmd->add_option("--email", user_options.email, "The member's email")->required();
  invite_cmd->add_flag("--json", user_options.json, "Print the user and the link as JSON");
  auto* ucreate_cmd =
      sub(users, "create", "Create an operator: prints a one-time link to set a password");
  ucreate_cmd->add_flag("--operator", operator_flag, "An operator (the only kind created here)")
      ->required();
  ucreate_cmd->add_option("--email", user_options.email, "The operator's email")->required();
  ucreate_cmd->add_flag("--json", user_options.json, "Print the user and the link as JSON");
  auto* reset_cmd = sub(users, "reset", "Print a one-time link for a user to set a new password");
  reset_cmd->add_option("--email", user_options.email, "The user's email")->required();
  reset_cmd->add_flag("--json", user_options.json, "Print the user and the link as JSON");
  auto* ulist_cmd = sub(users, "list", "List users (never their passwords)");
  ulist_cmd->add_option("--account", user_options.account, "Only this account's members");
  ulist_cmd->add_flag("--json", user_options.json, "Print a JSON array");
  auto* disable_cmd = sub(users, "disable", "Disable a user and end their sessions");
  disable_cmd->add_option("id", user_id, "The user's id")->required();
  auto* enable_cmd = sub(users, "enable", "Let a disabled user sign in again");
  enable_cmd->add_option("id", user_id, "The user's id")->required();

  auto* pause_cmd = sub(&app, "pause", "Make every public API call answer 503");
  auto* resume_cmd = sub(&app, "resume", "Serve the public API again");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*serve_cmd) return serve(config_path);
    if (*migrate_cmd) return migrate(config_path);
    if (*copy_cmd) return store_copy(copy_from, copy_to);
    if (*create_cmd) return keys_create(config_path, create);
    if (*list_cmd) return keys_list(config_path, list_account, list_json);
    if (*revoke_cmd) return keys_revoke(config_path, revoke_id);
    if (*acreate_cmd) return accounts_create(config_path, account_name, accounts_json);
    if (*alist_cmd) return accounts_list(config_path, accounts_json);
    if (*grant_cmd || *adjust_cmd) {
      change.adjustment = adjust_cmd->parsed();
      return credits_change(config_path, change);
    }
    if (*show_cmd) return credits_show(config_path, show_account, show_json);
    if (*ledger_cmd) return ledger(config_path, ledger_account, ledger_json);
    if (*usage_cmd) return usage(config_path, usage_options);
    if (*secret_cmd) return webhooks_secret(config_path, webhook_account, webhook_json);
    if (*invite_cmd) return users_invite(config_path, user_options);
    if (*ucreate_cmd) return users_create(config_path, user_options);
    if (*reset_cmd) return users_reset(config_path, user_options);
    if (*ulist_cmd) return users_list(config_path, user_options);
    if (*disable_cmd) return users_set_disabled(config_path, user_id, true);
    if (*enable_cmd) return users_set_disabled(config_path, user_id, false);
    if (*pause_cmd) return set_paused(config_path, true);
    if (*resume_cmd) return set_paused(config_path, false);
  } catch (const ConfigError& e) {
    std::cerr << "glmgate: config error: " << e.what() << "\n";
    return 2;
  } catch (const ServiceError& e) {
    std::cerr << "glmgate: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "glmgate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace glmgate::cli
