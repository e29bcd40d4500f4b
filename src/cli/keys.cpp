// `glmgate keys create|list|revoke`: thin wrappers over KeyService. The secret is printed once,
// as the last line of standard output, and never again.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <iostream>

#include "accounts/key_service.hpp"
#include "accounts/views.hpp"
#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace glmgate::cli {

namespace json = boost::json;

int keys_create(const std::optional<std::string>& config_path, const KeyCreateOptions& options) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  KeyService service(*store, *store);
  KeyOptions o;
  o.name = options.name;
  o.account = options.account;
  o.admin = options.admin;
  o.rpm = options.rpm;
  o.tpm = options.tpm;
  o.max_concurrency = options.max_concurrency;
  auto key = service.create(o);
  if (options.json) {
    std::cout << json::serialize(json::object{{"id", key.record.id},
                                              {"key", key.secret},
                                              {"prefix", key.record.prefix},
                                              {"name", key.record.name},
                                              {"account_id", key.record.account_id}})
              << "\n";
  } else {
    std::cout << "Created key " << key.record.id << " (" << key.record.name
              << "). Store it now: it is not shown again.\n"
              << key.secret << "\n";
  }
  return 0;
}

int keys_list(const std::optional<std::string>& config_path, const std::string& account,
              bool as_json) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  KeyService service(*store, *store);
  auto keys = service.list(account.empty() ? std::nullopt : std::optional<std::string>(account));
  if (as_json) {
    json::array out;
    for (const auto& k : keys)
      out.push_back(views::key(k));
    std::cout << json::serialize(out) << "\n";
    return 0;
  }
  std::printf("%-22s %-20s %-14s %-8s %-6s %-22s %s\n", "ID", "NAME", "PREFIX", "STATE", "ROLE",
              "ACCOUNT", "RPM");
  for (const auto& k : keys)
    std::printf("%-22s %-20s %-14s %-8s %-6s %-22s %s\n", k.id.c_str(), k.name.c_str(),
                k.prefix.c_str(), k.revoked ? "revoked" : "active", k.admin ? "admin" : "user",
                k.account_id.empty() ? "-" : k.account_id.c_str(),
                k.rpm ? std::to_string(k.rpm).c_str() : "default");
  return 0;
}

int keys_revoke(const std::optional<std::string>& config_path, const std::string& id) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  KeyService service(*store, *store);
  service.revoke(id);
  std::cout << "Revoked " << id << "\n";
  return 0;
}

}  // namespace glmgate::cli
