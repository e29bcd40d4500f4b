// The glmgate command line: `serve` and the key commands. Each command returns the process exit
// code; errors are printed to stderr with what to do about them.
#pragma once

#include <optional>
#include <string>

namespace glmgate::cli {

int run(int argc, char** argv);

int serve(const std::optional<std::string>& config_path);

struct KeyCreateOptions {
  std::string name;
  bool admin = false;
  bool json = false;
};
int keys_create(const std::optional<std::string>& config_path, const KeyCreateOptions& options);
int keys_list(const std::optional<std::string>& config_path, bool json);
int keys_revoke(const std::optional<std::string>& config_path, const std::string& id);

}  // namespace glmgate::cli
