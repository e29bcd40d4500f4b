// UserService: the console's people (issue 20), one service for the CLI (`glmgate users`), the
// admin API and the console alike. It invites members and creates operators (each with a
// one-time link to set a password), resets passwords through a new link, signs people in and
// keeps their sessions. Link tokens and session secrets are returned once and only their SHA-256
// is stored; passwords are hashed with Argon2id (accounts/password.hpp).
//
// Threading: blocking (it writes the store, and hashing a password takes tens of milliseconds
// and 64 MiB): run it on the blocking pool, never on an I/O thread. Safe from several threads.
// Errors: ServiceError (400 bad input, 401 a sign-in refused, 404 unknown, 409 an email taken,
// 410 a link used or expired); store errors as contracts/store/store_error.hpp says.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accounts/password.hpp"
#include "accounts/service_error.hpp"
#include "contracts/store/account_store.hpp"
#include "contracts/store/store_error.hpp"
#include "contracts/store/user_store.hpp"

namespace glmgate {

struct UserLifetimes {
  std::int64_t link_ms = 168LL * 3'600'000;         // an invitation or reset link
  std::int64_t session_idle_ms = 12LL * 3'600'000;  // a session unused this long ends
  std::int64_t session_max_ms = 7LL * 86'400'000;   // any session after this long
};

// A user with the one-time link token made for them (show once: the store keeps its hash).
struct UserWithLink {
  UserRecord user;
  std::string token;
  std::int64_t expires_at = 0;  // unix ms
};

// A signed-in session with its secret (the cookie's value; show once).
struct NewSession {
  SessionRecord record;
  UserRecord user;
  std::string secret;
};

struct ActiveSession {
  SessionRecord record;
  UserRecord user;
};

class UserService {
 public:
  UserService(UserStore& users, AccountStore& accounts, UserLifetimes lifetimes = {},
              PasswordCost cost = interactive_password_cost())
      : users_(users), accounts_(accounts), lifetimes_(lifetimes), cost_(cost) {}

  // A member of `account` (ID or name) with an invitation link. `by`: "cli", "admin-api" or
  // the inviting user's ID.
  UserWithLink invite(const std::string& account, const std::string& email, const std::string& by);
  // An operator with a link to set a first password.
  UserWithLink create_operator(const std::string& email, const std::string& by);
  // A new link for the user of `email` to set a new password (the old one works until then).
  UserWithLink reset_link(const std::string& email);
  std::vector<UserRecord> list(const std::optional<std::string>& account = std::nullopt);
  // 404 for an unknown ID.
  UserRecord user(const std::string& user_id);
  // 404 for an unknown ID. Disabling ends the user's sessions.
  UserRecord set_disabled(const std::string& user_id, bool disabled);

  // The user a valid link is for (the set-password page shows the email), else 410.
  UserRecord link_user(const std::string& token, std::int64_t now_ms);
  // Redeems the link with a new password (400 when the password breaks the policy, 410 when the
  // link is used, expired or its user disabled); the user's sessions end.
  UserRecord set_password(const std::string& token, const std::string& password,
                          std::int64_t now_ms);
  // A signed-in user's new password (401 when `current` is wrong); the user's open links are
  // retired and their other sessions end (`keep_session_secret` names the one to keep).
  void change_password(const std::string& user_id, const std::string& current,
                       const std::string& password, const std::string& keep_session_secret);

  // 401 "the email or the password is wrong" for any refusal (unknown email, wrong password, no
  // password yet, disabled), taking as long for an unknown email as for a known one. From the
  // 5th wrong password in a row, 429 (ServiceError::retry_after_s) until the store's lock ends.
  // `address` (the client's, as the console keys it; empty: none) counts the failures from it in
  // the store too, and from the 10th in a run its sign-ins get the 429 of its own lock, on every
  // instance (UserStore::record_failed_sign_in_from).
  NewSession sign_in(const std::string& email, const std::string& password, std::int64_t now_ms,
                     const std::string& address = "");
  // The session of `secret` with its user while it lasts (not past its end, used within the idle
  // time, its user not disabled); records the use when the last was more than a minute ago.
  std::optional<ActiveSession> session(const std::string& secret, std::int64_t now_ms);
  void end_session(const std::string& secret);
  std::int64_t end_all_sessions(const std::string& user_id);

  const UserLifetimes& lifetimes() const { return lifetimes_; }

  // Told when sessions of a user end (sign-out, sign-out everywhere, a new password, disabling),
  // so that what lives with them (the console's chat keys) ends too: `only_session` names the
  // one session that ended (its hash), else every session but `keep_session` did. Set before
  // any thread calls the service.
  using SessionsEnded = std::function<void(const UserRecord& user, const std::string& only_session,
                                           const std::string& keep_session)>;
  void on_sessions_ended(SessionsEnded callback) { sessions_ended_ = std::move(callback); }

 private:
  UserWithLink add_user(UserRecord user);
  UserWithLink new_link(const UserRecord& user, const char* purpose);

  UserStore& users_;
  AccountStore& accounts_;
  UserLifetimes lifetimes_;
  PasswordCost cost_;
  SessionsEnded sessions_ended_;
  void ended(const UserRecord& user, const std::string& only = "", const std::string& keep = "") {
    if (sessions_ended_) sessions_ended_(user, only, keep);
  }
};

// `email` trimmed and lower-cased, or nullopt when it is not an address (one @, something on
// each side, a dot in the domain, no spaces, at most 254 bytes).
std::optional<std::string> normalized_email(std::string_view email);

// The hex SHA-256 of a link token or a session secret, as the store keeps it.
std::string secret_hash(std::string_view secret);

}  // namespace glmgate
