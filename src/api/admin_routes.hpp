// The admin HTTP API under /admin/v1/: accounts, credits, keys (create returns the secret once),
// the ledger, usage reports, the pause switch and the routing detail, for admin keys only; and
// GET /metrics (Prometheus sends the admin key as a bearer token). It calls the same services
// as the CLI; their blocking store work runs on a small private thread pool, never on an I/O
// thread, and each write waits until the running server's memory has seen it. Owned by the app
// for as long as the router serves.
#pragma once

#include <memory>

#include "accounts/account_service.hpp"
#include "accounts/key_cache.hpp"
#include "accounts/key_service.hpp"
#include "accounts/store_sync.hpp"
#include "gateway/model_status.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace glmgate {

struct AdminParts {
  const KeyCache& keys;
  KeyService& key_service;
  AccountService& accounts;
  StoreSync& sync;
  const ModelStatus* status = nullptr;         // GET /admin/v1/routing: deployments and pool keys
  const metrics::Registry* metrics = nullptr;  // GET /metrics, for an admin key
};

// GET /metrics's answer: the registry in the Prometheus text format.
HttpResponse metrics_response(const metrics::Registry& registry);

class AdminRoutes {
 public:
  explicit AdminRoutes(AdminParts parts);
  ~AdminRoutes();
  void register_on(Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glmgate
