// Configuration loading (see config.hpp): the file's top-level table read section by section
// (config/sections.cpp), over the built-in defaults. Runs at start-up only.
#include "config/config.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/sections.hpp"

namespace glmgate {

const ProviderConfig* Config::find_provider(const std::string& name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

Config parse_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(source + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": " + std::string(e.description()));
  }
  Config c = builtin_config();
  c.source = source;
  TableReader r(root, source, "");
  r.only(config_keys());
  r.string("log_level", c.log_level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.count(c.log_level))
    r.fail("log_level", "expected one of trace, debug, info, warn, error, off");
  parse_server(root, r, c);
  parse_store(r, c);
  parse_redis(r, c);
  parse_generation(r, c);
  parse_limits(root, r, c);
  parse_outputs(r, c);
  parse_tasks(r, c);
  parse_routing(r, c);
  parse_console(r, c);
  parse_catalog(root, r, c);
  validate_catalog(c);
  return c;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

Config load_config(const std::optional<std::string>& explicit_path) {
  if (explicit_path) return load_config_file(*explicit_path);
  if (std::filesystem::exists("glmgate.toml")) return load_config_file("glmgate.toml");
  return builtin_config();
}

}  // namespace glmgate
