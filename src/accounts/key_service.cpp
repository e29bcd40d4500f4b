// KeyService; see key_service.hpp.
#include "accounts/key_service.hpp"

namespace glmgate {

GeneratedKey KeyService::create(const KeyOptions& options) {
  if (options.rpm < 0 || options.tpm < 0 || options.max_concurrency < 0)
    throw ServiceError(400, "rpm, tpm and max_concurrency must be 0 or more");
  std::string account_id;
  if (!options.account.empty()) {
    auto account = accounts_.find_account(options.account);
    if (!account)
      throw ServiceError(404, "no account is named or has the id \"" + options.account +
                                  "\" (see `glmgate accounts list`)");
    account_id = account->id;
  } else if (!options.admin) {
    throw ServiceError(400, "a key needs an account (--account NAME), or --admin for an admin key");
  }
  std::string name = options.name;
  if (name.empty()) name = options.account.empty() ? "admin" : options.account;
  auto key = generate_key(std::move(name), options.admin);
  key.record.account_id = account_id;
  key.record.rpm = options.rpm;
  key.record.tpm = options.tpm;
  key.record.max_concurrency = options.max_concurrency;
  try {
    keys_.insert_key(key.record);
  } catch (const StoreConflict& e) {
    throw ServiceError(409, e.what());
  }
  return key;
}

std::vector<KeyRecord> KeyService::list(const std::optional<std::string>& account) {
  if (!account) return keys_.list_keys(std::nullopt);
  auto a = accounts_.find_account(*account);
  if (!a) throw ServiceError(404, "no account is named or has the id \"" + *account + "\"");
  return keys_.list_keys(a->id);
}

void KeyService::revoke(const std::string& id) {
  if (!keys_.revoke_key(id))
    throw ServiceError(404, "no key has the id \"" + id + "\" (see `glmgate keys list`)");
}

std::optional<GeneratedKey> KeyService::bootstrap_admin() {
  if (keys_.count_keys() > 0) return std::nullopt;
  KeyOptions options;
  options.name = "admin";
  options.admin = true;
  return create(options);
}

}  // namespace glmgate
