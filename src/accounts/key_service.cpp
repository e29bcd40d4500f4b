// KeyService; see key_service.hpp.
#include "accounts/key_service.hpp"

#include <algorithm>

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

std::vector<KeyRecord> KeyService::list_page(const std::optional<std::string>& account,
                                             const std::string& after_id, std::int64_t limit) {
  if (!account) return keys_.list_keys_page(std::nullopt, after_id, limit);
  auto a = accounts_.find_account(*account);
  if (!a) throw ServiceError(404, "no account is named or has the id \"" + *account + "\"");
  return keys_.list_keys_page(a->id, after_id, limit);
}

void KeyService::revoke(const std::string& id) {
  if (!keys_.revoke_key(id))
    throw ServiceError(404, "no key has the id \"" + id + "\" (see `glmgate keys list`)");
}

GeneratedKey KeyService::create_chat_key(const std::string& account_id, const std::string& user_id,
                                         const std::string& session_id,
                                         std::int64_t expires_at_ms) {
  // A session keeps a few live keys (a page in several tabs renews each its own), never more:
  // the oldest go first. Each key costs a row, a change and a cache entry on every instance.
  std::vector<KeyRecord> live;
  for (auto& k : keys_.list_keys(account_id))
    if (!k.revoked && k.session_id == session_id) live.push_back(std::move(k));
  std::sort(live.begin(), live.end(), [](const KeyRecord& a, const KeyRecord& b) {
    return a.expires_at_ms < b.expires_at_ms;
  });
  for (std::size_t i = 0; i + kChatKeysPerSession <= live.size(); ++i)
    keys_.revoke_key(live[i].id);
  auto key = generate_key("console chat", false);
  key.record.account_id = account_id;
  key.record.user_id = user_id;
  key.record.session_id = session_id;
  key.record.expires_at_ms = expires_at_ms;
  try {
    keys_.insert_key(key.record);
  } catch (const StoreConflict& e) {
    throw ServiceError(409, e.what());
  }
  return key;
}

std::int64_t KeyService::revoke_chat_keys(const std::string& account_id, const std::string& user_id,
                                          const std::string& only_session,
                                          const std::string& keep_session) {
  if (account_id.empty() || user_id.empty()) return 0;
  std::int64_t revoked = 0;
  for (const auto& k : keys_.list_keys(account_id)) {
    if (k.revoked || k.session_id.empty() || k.user_id != user_id) continue;
    if (!only_session.empty() ? k.session_id != only_session : k.session_id == keep_session)
      continue;
    if (keys_.revoke_key(k.id)) ++revoked;
  }
  return revoked;
}

std::optional<GeneratedKey> KeyService::bootstrap_admin() {
  if (keys_.count_keys() > 0) return std::nullopt;
  KeyOptions options;
  options.name = "admin";
  options.admin = true;
  return create(options);
}

}  // namespace glmgate
