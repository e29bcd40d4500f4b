// KeyService: the one service layer for API keys, used by the CLI now and the admin API later,
// so that neither reaches around it to the store. Blocking (it writes the store): never call it
// on an I/O thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "accounts/api_key.hpp"
#include "store/store.hpp"

namespace glmgate {

class KeyService {
 public:
  explicit KeyService(Store& store) : store_(store) {}
  // Creates and stores a key; the returned secret is the only copy there will ever be.
  GeneratedKey create(std::string name, bool admin = false);
  std::vector<KeyRecord> list();
  // False when no key has this id.
  bool revoke(const std::string& id);
  // Creates an admin key when the store holds no key at all (first start); else nullopt.
  std::optional<GeneratedKey> bootstrap_admin();

 private:
  Store& store_;
};

}  // namespace glmgate
