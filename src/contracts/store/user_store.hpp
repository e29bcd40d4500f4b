// UserStore: the people who sign in to the console (issue 20), the one-time links with which
// they set a password, and their sessions. Secrets never reach the store: a link's token and a
// session's cookie value are kept as their SHA-256 (hex), and a password as its Argon2id string
// (accounts/password.hpp).
//
// Threading: every call blocks and is safe from any thread and from several processes.
// Atomicity: redeem_link() is the one step that must happen once: of any number of callers, in
// any processes, at most one redeems a link.
// Errors: contracts/store/store_error.hpp (StoreConflict: an email or ID taken, an account
// unknown).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace glmgate {

namespace user_role {
inline constexpr const char* kMember = "member";      // one account's keys, usage and Chat
inline constexpr const char* kOperator = "operator";  // every account, and the gateway
}  // namespace user_role

namespace link_purpose {
inline constexpr const char* kInvite = "invite";  // the first password
inline constexpr const char* kReset = "reset";    // a new one
}  // namespace link_purpose

struct UserRecord {
  std::string id;             // "usr_..."
  std::string email;          // lower-case, unique
  std::string role;           // user_role
  std::string account_id;     // a member's account; "" for an operator
  std::string password_hash;  // "" until the first link is redeemed
  bool disabled = false;
  std::string created_by;       // "cli", "admin-api", or the ID of the user who invited
  std::int64_t created_at = 0;  // unix ms
  // Wrong passwords in a row (record_failed_sign_in), and until when (unix ms) a sign-in is
  // refused without a look at the password.
  std::int64_t failed_sign_ins = 0;
  std::int64_t locked_until = 0;
};

struct UserLink {
  std::string token_hash;  // SHA-256 (hex) of the link's token
  std::string user_id;
  std::string purpose;  // link_purpose
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t used_at = 0;  // 0: not used
};

struct SessionRecord {
  std::string id_hash;  // SHA-256 (hex) of the cookie's value
  std::string user_id;
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::int64_t expires_at = 0;  // the latest it may last, however often it is used
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // StoreConflict when the ID or the email is taken, or a member's account does not exist.
  virtual void insert_user(const UserRecord& user) = 0;
  virtual std::optional<UserRecord> find_user(const std::string& id) = 0;
  virtual std::optional<UserRecord> find_user_by_email(const std::string& email) = 0;
  // Oldest first; only the account's members when `account_id` is given.
  virtual std::vector<UserRecord> list_users(const std::optional<std::string>& account_id) = 0;
  // False when no user has the ID. Disabling also ends the user's sessions and retires their
  // open links (enabling the user again does not revive them).
  virtual bool set_user_disabled(const std::string& user_id, bool disabled) = 0;
  // A new password for a signed-in user: the hash replaces the old; false for no such user.
  virtual bool set_password_hash(const std::string& user_id, const std::string& hash) = 0;

  // Sign-in failures, counted in the store so that every instance sees them: a wrong password
  // adds one, and from the 5th in a row the user waits 2^(n-5) s, at most 15 minutes, before the
  // next attempt counts. Returns the new locked_until (0: not locked). A success clears them.
  virtual std::int64_t record_failed_sign_in(const std::string& user_id, std::int64_t now_ms) = 0;
  virtual void clear_failed_sign_ins(const std::string& user_id) = 0;
  // Failed sign-ins from one client address, counted in the store for every instance alike: a
  // wrong password or an unknown email adds one to the address's run, which starts again 15
  // minutes after its last failure or the end of its lock, whichever is later (so a run at the
  // longest lock goes on). From the 10th in a run the address waits 2^(n-10) s, at most 15
  // minutes. A success clears nothing: one account of the sprayer's own must not reset
  // a spray over others. Returns the new locked_until (0: not locked).
  virtual std::int64_t record_failed_sign_in_from(const std::string& address,
                                                  std::int64_t now_ms) = 0;
  // Until when (unix ms) sign-ins from `address` wait; 0 or past when they need not.
  virtual std::int64_t address_locked_until(const std::string& address) = 0;

  virtual void insert_link(const UserLink& link) = 0;
  // Marks every open link of the user used at `now_ms` (a password changed: an older reset or
  // invitation must not set another). Returns how many.
  virtual std::int64_t retire_links(const std::string& user_id, std::int64_t now_ms) = 0;
  // The link when it is unused and unexpired at `now_ms`.
  virtual std::optional<UserLink> find_link(const std::string& token_hash, std::int64_t now_ms) = 0;
  // In one transaction: marks the link used (and the user's other open links: an older
  // invitation or reset cannot set a password again), gives its user `password_hash` and ends
  // the user's sessions. Returns the link as it was, or nullopt (and changes nothing) when it is
  // used, expired at `now_ms`, unknown, or its user is disabled.
  virtual std::optional<UserLink> redeem_link(const std::string& token_hash,
                                              const std::string& password_hash,
                                              std::int64_t now_ms) = 0;

  virtual void insert_session(const SessionRecord& session) = 0;
  virtual std::optional<SessionRecord> find_session(const std::string& id_hash) = 0;
  virtual void touch_session(const std::string& id_hash, std::int64_t now_ms) = 0;
  virtual bool delete_session(const std::string& id_hash) = 0;
  // Every session of the user ("sign out everywhere"); returns how many ended.
  virtual std::int64_t delete_user_sessions(const std::string& user_id) = 0;
  // Deletes the sessions past their end or unused for `idle_ms`, the links expired or used
  // before `now_ms` - a day (kept that long so a second click can say "already used"), and the
  // addresses whose last failed sign-in is a day old. Returns how many rows went.
  virtual std::int64_t sweep_users(std::int64_t now_ms, std::int64_t idle_ms) = 0;
};

}  // namespace glmgate
