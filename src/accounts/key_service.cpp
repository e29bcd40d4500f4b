// KeyService; see key_service.hpp.
#include "accounts/key_service.hpp"

#include <stdexcept>

namespace glmgate {

GeneratedKey KeyService::create(std::string name, bool admin) {
  if (name.empty()) throw std::invalid_argument("a key needs a name");
  auto key = generate_key(std::move(name), admin);
  store_.insert_key(key.record);
  return key;
}

std::vector<KeyRecord> KeyService::list() {
  return store_.list_keys();
}

bool KeyService::revoke(const std::string& id) {
  return store_.revoke_key(id);
}

std::optional<GeneratedKey> KeyService::bootstrap_admin() {
  if (store_.count_keys() > 0) return std::nullopt;
  return create("admin", true);
}

}  // namespace glmgate
