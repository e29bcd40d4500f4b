// What a store contract's failure means, the same for every concern and every backend.
//
// Every store call blocks (disk or network) and runs as one transaction of its own: it happened
// entirely or not at all. A call throws
// - StoreConflict when the store refuses it as asked (a name taken, an account unknown): nothing
//   was written, trying again changes nothing, and the message says why in words an operator can
//   act on (the services turn it into a 4xx);
// - StoreUnavailable (or another std::exception from a backend) when the store could not be read
//   or written at all (disk full, lock timeout, connection lost): nothing was written, and the
//   same call may be tried again later.
// Opening a store (backends/store_factory.hpp) may also throw StoreBusy: the store admits one
// server (SQLite) and another holds it; the message names that process and the lock.
// No message carries a secret (a key's secret, a password of a store URL).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace glmgate {

struct StoreConflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StoreUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StoreBusy : std::runtime_error {
  StoreBusy(const std::string& what, std::string holder, std::string lock)
      : std::runtime_error(what), holder(std::move(holder)), lock(std::move(lock)) {}
  std::string holder;  // the PID of the server that holds it, or "unknown"
  std::string lock;    // what it holds (a lock file's path)
};

}  // namespace glmgate
