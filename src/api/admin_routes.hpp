// The admin HTTP API under /admin/v1/: accounts, credits, keys (create returns the secret once),
// the ledger, usage reports, the console's users (invitations and resets return their one-time
// link once), the pause switch and the routing detail, for admin keys only; and
// GET /metrics (Prometheus sends the admin key as a bearer token). It calls the same services
// as the CLI; their blocking store work runs on a small private thread pool, never on an I/O
// thread, and each write waits until the running server's memory has seen it. Owned by the app
// for as long as the router serves.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "accounts/account_service.hpp"
#include "accounts/key_cache.hpp"
#include "accounts/key_service.hpp"
#include "accounts/store_sync.hpp"
#include "accounts/user_service.hpp"
#include "gateway/catalog.hpp"
#include "gateway/model_status.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace glmgate {

class OutputService;

// Who calls an admin endpoint: an operator (an admin key, or a console operator), or a member of
// one account (a console session), whose calls see that account only.
struct Caller {
  bool is_operator = true;
  std::string account_id;  // a member's account
  std::string user_id;     // a console user's ID; empty for an admin key
};

// For whom an endpoint is: operators only (a member gets the 404 of an unknown path), or an
// account's members too, scoped to their account (another account's data is a 404).
enum class AdminScope { kOperator, kAccount };

struct AdminRouteInfo {
  std::string method;
  std::string path;  // under the mount's base
  AdminScope scope;
};

// A second mount of the admin endpoints (the console's, under /console/api/v1/): who calls is
// told by `authenticate`, run on the admin pool (it may read the store), which answers itself
// (a 401, a 403) when it names no one; `headers` go on every answer of the mount.
struct AdminMount {
  std::function<std::variant<Caller, HttpResponse>(const HttpRequest& request,
                                                   const std::string& remote_address)>
      authenticate;
  Headers headers;
};

struct AdminParts {
  const KeyCache& keys;
  KeyService& key_service;
  AccountService& accounts;
  StoreSync& sync;
  const ModelStatus* status = nullptr;         // GET /admin/v1/routing: deployments and pool keys
  const metrics::Registry* metrics = nullptr;  // GET /metrics, for an admin key
  // The most a member may give a key of theirs: default_rpm when no tier applies; 0: members may
  // not set a key's rpm (tiers or no default limit: a key's own rpm would override them).
  std::int64_t member_max_rpm = 0;
  UserService* users = nullptr;      // the console's people (the users endpoints); null: none
  std::string console_base;          // where one-time links point ("https://gw.example.com")
  const Catalog* catalog = nullptr;  // GET models; null: none
  OutputService* outputs = nullptr;  // GET outputs/{id}; null: none
};

// GET /metrics's answer: the registry in the Prometheus text format.
HttpResponse metrics_response(const metrics::Registry& registry);

class AdminRoutes {
 public:
  explicit AdminRoutes(AdminParts parts);
  ~AdminRoutes();
  // The admin endpoints at /admin/v1/ for admin keys, and GET /metrics.
  void register_on(Router& router);
  // The same endpoints at `base` ("/console/api/v1/") for the callers `mount` names.
  void mount_on(Router& router, const std::string& base, AdminMount mount);
  // Where the links it makes point, once the server knows its port; before any thread serves.
  void set_console_base(std::string base);
  // Every endpoint with its scope, for tests and the console.
  static std::vector<AdminRouteInfo> routes();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace glmgate
