// The console's own API under /console/api/ (issue 20): who is signed in, signing in and out,
// changing a password, and the one-time links that set one; and under /console/api/v1/ the admin
// endpoints (api/admin_routes.hpp) for the signed-in user: all of them for an operator, their own
// account's for a member (another account's data answers 404). The pages that call it come in
// the next steps (docs/CONSOLE_PLAN.md).
//
// Every answer is JSON with the console's security headers and `Cache-Control: no-store`. The
// session lives in an HttpOnly, SameSite=Strict cookie holding a random secret whose SHA-256 the
// store keeps (accounts/user_service.hpp); every write is checked against CSRF (console/csrf.hpp);
// sign-ins are rate-limited per client address and per email before any password is hashed
// (console/sign_in_limiter.hpp). `POST chat-token` gives a member's Chat page a short-lived API
// key of their account, which dies with the session (revoked when it ends) or at its end, and
// which no key listing shows; the page keeps it in memory only. Errors: {"error": {"message",
// "code"}} with 400, 401, 403 (csrf_failed), 404, 410 (link_used_or_expired), 429 (with
// Retry-After) or 503 (the store away).
//
// Threading: handlers start on an I/O thread and run the user service (store round trips,
// Argon2id) on a private pool of two threads, which also bounds the memory hashing takes.
// Lifetime: owned by serve for as long as the router serves; registered only when `console`.
#pragma once

#include <memory>

#include "accounts/user_service.hpp"
#include "api/admin_routes.hpp"
#include "config/config.hpp"
#include "http/router.hpp"

namespace glmgate {

class ConsoleRoutes {
 public:
  // `admin`: the endpoints mounted at /console/api/v1/; `keys` makes the Chat page's keys and
  // `sync` shows them to this server at once. All outlive this.
  ConsoleRoutes(UserService& users, KeyService& keys, StoreSync& sync, AdminRoutes& admin,
                const ConsoleSection& config);
  ~ConsoleRoutes();
  void register_on(Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The lifetimes of links and sessions the config sets.
UserLifetimes user_lifetimes(const ConsoleSection& config);
// Where the console is, as its one-time links name it: console_url, else http://<listen>.
std::string console_base_url(const Config& config);

// The headers every console answer carries: a strict Content-Security-Policy (no inline script
// or style), no framing, no sniffing, no referrer.
const Headers& console_security_headers();

}  // namespace glmgate
