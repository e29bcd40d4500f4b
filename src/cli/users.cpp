// `glmgate users invite|create|reset|list|disable|enable`: thin wrappers over UserService, the
// console's people. A command that makes a link prints it once, as the last line of standard
// output: <console_url>/#/set-password/<token> (the token travels in the fragment, which browsers
// send to no server and put in no Referer).
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <iostream>

#include "accounts/key_service.hpp"
#include "accounts/user_service.hpp"
#include "accounts/views.hpp"
#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "console/console_routes.hpp"

namespace glmgate::cli {

namespace json = boost::json;

namespace {

constexpr const char* kOrigin = "cli";

json::object user_json(const UserRecord& u) {
  json::object o = views::user(u);
  o.erase("state");
  return o;
}

template <class F>
int with_users(const std::optional<std::string>& config_path, F body) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  UserService users(*store, *store, user_lifetimes(config));
  // Disabling a user revokes their console chat keys too (a running server hears of it through
  // the change feed).
  KeyService keys(*store, *store);
  users.on_sessions_ended(
      [&keys](const UserRecord& user, const std::string& only, const std::string& keep) {
        keys.revoke_chat_keys(user.account_id, user.id, only, keep);
      });
  return body(users, config);
}

int print_link(const UserWithLink& made, const Config& config, bool as_json, const char* what) {
  const std::string link = console_base_url(config) + "/#/set-password/" + made.token;
  if (as_json) {
    json::object out = user_json(made.user);
    out["link"] = link;
    out["link_expires_at"] = made.expires_at / 1000;
    std::cout << json::serialize(out) << "\n";
    return 0;
  }
  std::cout << what << " " << made.user.email << " (" << made.user.id << ", " << made.user.role
            << "). This link sets a password once, within " << config.console_link_ttl_hours
            << " hours; it is not shown again:\n"
            << link << "\n";
  return 0;
}

}  // namespace

int users_invite(const std::optional<std::string>& config_path, const UserOptions& o) {
  return with_users(config_path, [&](UserService& users, const Config& config) {
    return print_link(users.invite(o.account, o.email, kOrigin), config, o.json, "Invited");
  });
}

int users_create(const std::optional<std::string>& config_path, const UserOptions& o) {
  return with_users(config_path, [&](UserService& users, const Config& config) {
    return print_link(users.create_operator(o.email, kOrigin), config, o.json, "Created operator");
  });
}

int users_reset(const std::optional<std::string>& config_path, const UserOptions& o) {
  return with_users(config_path, [&](UserService& users, const Config& config) {
    return print_link(users.reset_link(o.email), config, o.json, "A password reset for");
  });
}

int users_list(const std::optional<std::string>& config_path, const UserOptions& o) {
  return with_users(config_path, [&](UserService& users, const Config&) {
    auto list = users.list(o.account.empty() ? std::nullopt : std::optional(o.account));
    if (o.json) {
      json::array out;
      for (const auto& u : list)
        out.push_back(user_json(u));
      std::cout << json::serialize(out) << "\n";
      return 0;
    }
    std::printf("%-22s %-32s %-9s %-22s %s\n", "ID", "EMAIL", "ROLE", "ACCOUNT", "STATE");
    for (const auto& u : list)
      std::printf("%-22s %-32s %-9s %-22s %s\n", u.id.c_str(), u.email.c_str(), u.role.c_str(),
                  u.account_id.empty() ? "-" : u.account_id.c_str(),
                  u.disabled                ? "disabled"
                  : u.password_hash.empty() ? "invited"
                                            : "active");
    return 0;
  });
}

int users_set_disabled(const std::optional<std::string>& config_path, const std::string& id,
                       bool disabled) {
  return with_users(config_path, [&](UserService& users, const Config&) {
    UserRecord u = users.set_disabled(id, disabled);
    std::cout << (disabled ? "Disabled " : "Enabled ") << u.email << " (" << u.id << ")"
              << (disabled ? "; their sessions ended" : "") << "\n";
    return 0;
  });
}

}  // namespace glmgate::cli
