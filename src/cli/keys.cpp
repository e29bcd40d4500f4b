// `glmgate keys create|list|revoke`: thin wrappers over KeyService. The secret is printed once,
// as the last line of standard output, and never again.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <iostream>

#include "accounts/key_service.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace glmgate::cli {

namespace json = boost::json;

int keys_create(const std::optional<std::string>& config_path, const KeyCreateOptions& options) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  KeyService service(*store);
  auto key = service.create(options.name, options.admin);
  if (options.json) {
    std::cout << json::serialize(json::object{{"id", key.record.id},
                                              {"key", key.secret},
                                              {"prefix", key.record.prefix},
                                              {"name", key.record.name}})
              << "\n";
  } else {
    std::cout << "Created key " << key.record.id << " (" << key.record.name
              << "). Store it now: it is not shown again.\n"
              << key.secret << "\n";
  }
  return 0;
}

int keys_list(const std::optional<std::string>& config_path, bool as_json) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  KeyService service(*store);
  auto keys = service.list();
  if (as_json) {
    json::array out;
    for (const auto& k : keys)
      out.push_back(json::object{{"id", k.id},
                                 {"name", k.name},
                                 {"prefix", k.prefix},
                                 {"state", k.revoked ? "revoked" : "active"},
                                 {"admin", k.admin},
                                 {"created_at", k.created_at}});
    std::cout << json::serialize(out) << "\n";
    return 0;
  }
  std::printf("%-22s %-20s %-14s %-8s %s\n", "ID", "NAME", "PREFIX", "STATE", "ROLE");
  for (const auto& k : keys)
    std::printf("%-22s %-20s %-14s %-8s %s\n", k.id.c_str(), k.name.c_str(), k.prefix.c_str(),
                k.revoked ? "revoked" : "active", k.admin ? "admin" : "user");
  return 0;
}

int keys_revoke(const std::optional<std::string>& config_path, const std::string& id) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  KeyService service(*store);
  if (!service.revoke(id)) {
    std::cerr << "glmgate: no key has the id \"" << id << "\" (see `glmgate keys list`)\n";
    return 1;
  }
  std::cout << "Revoked " << id << "\n";
  return 0;
}

}  // namespace glmgate::cli
