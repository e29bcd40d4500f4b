// KeyInfo: an API key as the request path sees it (never its secret). Immutable once made; shared
// between threads by shared_ptr<const KeyInfo>.
#pragma once

#include <cstdint>
#include <string>

namespace glmgate {

struct KeyInfo {
  std::string id;
  std::string name;
  std::string prefix;
  std::string account_id;  // empty: an admin key of no account (not billed)
  bool admin = false;
  std::int64_t rpm = 0;  // 0: the account's tier or the default
  std::int64_t tpm = 0;
  std::int64_t max_concurrency = 0;
  std::int64_t expires_at_ms = 0;  // a console chat key's end (unix ms); 0: never
};

}  // namespace glmgate
