// KeyService: the one service layer for API keys, used by the CLI and the admin API alike, so
// that neither reaches around it to the store. Blocking (it writes the store): never call it on
// an I/O thread. Throws ServiceError for requests it refuses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "accounts/api_key.hpp"
#include "accounts/service_error.hpp"
#include "contracts/store/account_store.hpp"
#include "contracts/store/key_store.hpp"
#include "contracts/store/store_error.hpp"

namespace glmgate {

struct KeyOptions {
  std::string name;
  std::string account;  // id or name; empty only for admin keys
  bool admin = false;
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;
  std::int64_t max_concurrency = 0;
};

class KeyService {
 public:
  // `accounts`: to find the account a new key bills.
  KeyService(KeyStore& keys, AccountStore& accounts) : keys_(keys), accounts_(accounts) {}
  // Creates and stores a key; the returned secret is the only copy there will ever be.
  GeneratedKey create(const KeyOptions& options);
  std::vector<KeyRecord> list(const std::optional<std::string>& account = std::nullopt);
  // A page by ID of the keys (an account's, by ID or name), chat keys left out.
  std::vector<KeyRecord> list_page(const std::optional<std::string>& account,
                                   const std::string& after_id, std::int64_t limit);
  // ServiceError 404 when no key has this id.
  void revoke(const std::string& id);
  // A console chat key for a member's session: it bills `account_id` at the default limits,
  // ends at `expires_at_ms`, and is never an admin key. The session's oldest keys are revoked
  // so that it has at most kChatKeysPerSession live ones.
  static constexpr std::size_t kChatKeysPerSession = 4;
  GeneratedKey create_chat_key(const std::string& account_id, const std::string& user_id,
                               const std::string& session_id, std::int64_t expires_at_ms);
  // Revokes a user's live chat keys: those of `only_session` when it is not empty, else all
  // but those of `keep_session`. Returns how many.
  std::int64_t revoke_chat_keys(const std::string& account_id, const std::string& user_id,
                                const std::string& only_session,
                                const std::string& keep_session = "");
  // Creates an admin key when the store holds no key at all (first start); else nullopt.
  std::optional<GeneratedKey> bootstrap_admin();

 private:
  KeyStore& keys_;
  AccountStore& accounts_;
};

}  // namespace glmgate
