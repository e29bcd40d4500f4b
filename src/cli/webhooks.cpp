// `glmgate webhooks secret ACCOUNT`: creates (or replaces) the account's webhook signing secret and
// prints it once. The server reads it from the store when it signs, so a new secret applies to
// the next webhook without a restart.
#include <iostream>

#include "accounts/service_error.hpp"
#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "tasks/webhook_signature.hpp"

namespace glmgate::cli {

int webhooks_secret(const std::optional<std::string>& config_path, const std::string& account,
                    bool as_json) {
  Config config = load_config(config_path);
  auto store = open_store(config.store);
  auto found = store->find_account(account);
  if (!found) throw ServiceError(404, "no account is named or has the id \"" + account + "\"");
  std::string secret = new_webhook_secret();
  store->set_webhook_secret(found->id, secret);
  if (as_json) {
    std::cout << "{\"account\":\"" << found->id << "\",\"secret\":\"" << secret << "\"}\n";
  } else {
    std::cout << "Webhook signing secret of " << found->name << " (" << found->id
              << "), shown only this once; it replaces any earlier one:\n"
              << secret << "\n";
  }
  return 0;
}

}  // namespace glmgate::cli
