// Command-line parsing with CLI11; the commands themselves live in serve.cpp and keys.cpp.
#include <CLI/CLI.hpp>
#include <iostream>

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

  auto* serve_cmd = app.add_subcommand("serve", "Run the gateway");
  serve_cmd->fallthrough();

  auto* keys = app.add_subcommand("keys", "Create, list and revoke API keys");
  keys->require_subcommand(1);
  keys->fallthrough();
  KeyCreateOptions create;
  auto* create_cmd = keys->add_subcommand("create", "Create a key and print it once");
  create_cmd->add_option("--name", create.name, "A name for the key")->required();
  create_cmd->add_flag("--admin", create.admin, "The key may use the admin API");
  create_cmd->add_flag("--json", create.json, "Print {\"id\",\"key\",\"prefix\",\"name\"}");
  create_cmd->fallthrough();
  bool list_json = false;
  auto* list_cmd = keys->add_subcommand("list", "List keys (never their secrets)");
  list_cmd->add_flag("--json", list_json, "Print a JSON array");
  list_cmd->fallthrough();
  std::string revoke_id;
  auto* revoke_cmd = keys->add_subcommand("revoke", "Revoke a key by id");
  revoke_cmd->add_option("id", revoke_id, "The key's id (key_...)")->required();
  revoke_cmd->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*serve_cmd) return serve(config_path);
    if (*create_cmd) return keys_create(config_path, create);
    if (*list_cmd) return keys_list(config_path, list_json);
    if (*revoke_cmd) return keys_revoke(config_path, revoke_id);
  } catch (const ConfigError& e) {
    std::cerr << "glmgate: config error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "glmgate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace glmgate::cli
