// The console's people; see user_service.hpp.
#include "accounts/user_service.hpp"

#include <algorithm>

#include "accounts/api_key.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"

namespace glmgate {

namespace {

constexpr std::size_t kSecretChars = 43;        // base62: about 256 bits
constexpr std::int64_t kTouchEveryMs = 60'000;  // a session's use is written at most this often

std::string new_secret() {
  return random_id("", kSecretChars);
}

ServiceError link_gone() {
  return ServiceError(410, "this link was used already or has expired: ask for a new one");
}

ServiceError sign_in_refused() {
  return ServiceError(401, "the email or the password is wrong");
}

// A hash to verify against when the email is unknown, so that an unknown email takes as long
// to refuse as a wrong password (made once, at the service's cost).
const std::string& decoy_hash(PasswordCost cost) {
  static const std::string hash = hash_password("glmgate decoy password", cost);
  return hash;
}

}  // namespace

std::optional<std::string> normalized_email(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t'))
    email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t'))
    email.remove_suffix(1);
  if (email.empty() || email.size() > 254) return std::nullopt;
  const auto at = email.find('@');
  if (at == 0 || at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  const std::string_view domain = email.substr(at + 1);
  const auto dot = domain.find('.');
  if (domain.empty() || dot == 0 || dot == std::string_view::npos || domain.back() == '.')
    return std::nullopt;
  std::string out(email);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string secret_hash(std::string_view secret) {
  return to_hex(sha256(secret));
}

UserWithLink UserService::invite(const std::string& account, const std::string& email,
                                 const std::string& by) {
  auto a = accounts_.find_account(account);
  if (!a) throw ServiceError(404, "no account is named or has the id \"" + account + "\"");
  UserRecord u;
  u.email = email;
  u.role = user_role::kMember;
  u.account_id = a->id;
  u.created_by = by;
  return add_user(std::move(u));
}

UserWithLink UserService::create_operator(const std::string& email, const std::string& by) {
  UserRecord u;
  u.email = email;
  u.role = user_role::kOperator;
  u.created_by = by;
  return add_user(std::move(u));
}

UserWithLink UserService::add_user(UserRecord user) {
  auto email = normalized_email(user.email);
  if (!email) throw ServiceError(400, "\"" + user.email + "\" is not an email address");
  user.email = *email;
  if (users_.find_user_by_email(user.email))
    throw ServiceError(409, "a user with the email " + user.email + " exists already");
  user.id = random_id("usr_", 16);
  user.created_at = unix_ms_now();
  try {
    users_.insert_user(user);
  } catch (const StoreConflict&) {
    throw ServiceError(409, "a user with the email " + user.email + " exists already");
  }
  return new_link(user, link_purpose::kInvite);
}

UserWithLink UserService::new_link(const UserRecord& user, const char* purpose) {
  UserWithLink out;
  out.user = user;
  out.token = new_secret();
  const std::int64_t now = unix_ms_now();
  out.expires_at = now + lifetimes_.link_ms;
  users_.insert_link({secret_hash(out.token), user.id, purpose, now, out.expires_at, 0});
  return out;
}

UserWithLink UserService::reset_link(const std::string& email) {
  auto normalized = normalized_email(email);
  auto u = normalized ? users_.find_user_by_email(*normalized) : std::nullopt;
  if (!u) throw ServiceError(404, "no user has the email \"" + email + "\"");
  if (u->disabled)
    throw ServiceError(409, "the user " + u->email + " is disabled: enable it first");
  return new_link(*u, link_purpose::kReset);
}

std::vector<UserRecord> UserService::list(const std::optional<std::string>& account) {
  if (!account) return users_.list_users(std::nullopt);
  auto a = accounts_.find_account(*account);
  if (!a) throw ServiceError(404, "no account is named or has the id \"" + *account + "\"");
  return users_.list_users(a->id);
}

UserRecord UserService::user(const std::string& user_id) {
  auto u = users_.find_user(user_id);
  if (!u) throw ServiceError(404, "no user has the id \"" + user_id + "\"");
  return *u;
}

UserRecord UserService::set_disabled(const std::string& user_id, bool disabled) {
  if (!users_.set_user_disabled(user_id, disabled))
    throw ServiceError(404, "no user has the id \"" + user_id + "\"");
  UserRecord user = *users_.find_user(user_id);
  if (disabled) ended(user);
  return user;
}

UserRecord UserService::link_user(const std::string& token, std::int64_t now_ms) {
  auto link = users_.find_link(secret_hash(token), now_ms);
  auto user = link ? users_.find_user(link->user_id) : std::nullopt;
  if (!user || user->disabled) throw link_gone();
  return *user;
}

UserRecord UserService::set_password(const std::string& token, const std::string& password,
                                     std::int64_t now_ms) {
  const UserRecord user = link_user(token, now_ms);
  if (auto problem = password_problem(password, user.email)) throw ServiceError(400, *problem);
  const std::string hash = hash_password(password, cost_);
  if (!users_.redeem_link(secret_hash(token), hash, now_ms)) throw link_gone();
  ended(user);
  return *users_.find_user(user.id);
}

void UserService::change_password(const std::string& user_id, const std::string& current,
                                  const std::string& password,
                                  const std::string& keep_session_secret) {
  auto user = users_.find_user(user_id);
  if (!user) throw ServiceError(404, "no user has the id \"" + user_id + "\"");
  if (!verify_password(user->password_hash, current))
    throw ServiceError(401, "the current password is wrong");
  if (auto problem = password_problem(password, user->email)) throw ServiceError(400, *problem);
  users_.set_password_hash(user_id, hash_password(password, cost_));
  users_.retire_links(user_id, unix_ms_now());  // an older reset link must not undo it
  // Every other session ends: whoever knew the old password is signed out.
  auto kept = keep_session_secret.empty() ? std::nullopt
                                          : users_.find_session(secret_hash(keep_session_secret));
  users_.delete_user_sessions(user_id);
  if (kept) users_.insert_session(*kept);
  ended(*user, "", kept ? kept->id_hash : "");
}

NewSession UserService::sign_in(const std::string& email, const std::string& password,
                                std::int64_t now_ms, const std::string& address) {
  // An address past ten failures in a run waits first, whatever email it tries next.
  if (!address.empty()) {
    const std::int64_t until = users_.address_locked_until(address);
    if (until > now_ms)
      throw ServiceError(429,
                         "too many failed sign-ins from this address; try again in " +
                             std::to_string((until - now_ms + 999) / 1000) + " s",
                         (until - now_ms + 999) / 1000);
  }
  auto failed = [&] {
    if (!address.empty()) users_.record_failed_sign_in_from(address, now_ms);
    return sign_in_refused();
  };
  auto normalized = normalized_email(email);
  auto user = normalized ? users_.find_user_by_email(*normalized) : std::nullopt;
  if (!user || user->password_hash.empty()) {
    verify_password(decoy_hash(cost_), password);
    throw failed();
  }
  // A user past five wrong passwords in a row waits, whichever instance they try: the count is
  // the store's. The password is not even checked meanwhile.
  if (user->locked_until > now_ms)
    throw ServiceError(429,
                       "too many wrong passwords for this email; try again in " +
                           std::to_string((user->locked_until - now_ms + 999) / 1000) + " s",
                       (user->locked_until - now_ms + 999) / 1000);
  const bool ok = verify_password(user->password_hash, password);
  if (!ok) {
    users_.record_failed_sign_in(user->id, now_ms);
    throw failed();
  }
  if (user->disabled) throw sign_in_refused();
  if (user->failed_sign_ins > 0) users_.clear_failed_sign_ins(user->id);
  if (needs_rehash(user->password_hash, cost_))
    users_.set_password_hash(user->id, hash_password(password, cost_));
  NewSession out;
  out.user = *user;
  out.secret = new_secret();
  out.record = {secret_hash(out.secret), user->id, now_ms, now_ms,
                now_ms + lifetimes_.session_max_ms};
  users_.insert_session(out.record);
  return out;
}

std::optional<ActiveSession> UserService::session(const std::string& secret, std::int64_t now_ms) {
  if (secret.empty()) return std::nullopt;
  auto record = users_.find_session(secret_hash(secret));
  if (!record || record->expires_at <= now_ms ||
      record->last_seen_at <= now_ms - lifetimes_.session_idle_ms)
    return std::nullopt;
  auto user = users_.find_user(record->user_id);
  if (!user || user->disabled) return std::nullopt;
  if (now_ms - record->last_seen_at >= kTouchEveryMs) {
    users_.touch_session(record->id_hash, now_ms);
    record->last_seen_at = now_ms;
  }
  return ActiveSession{*record, *user};
}

void UserService::end_session(const std::string& secret) {
  if (secret.empty()) return;
  const std::string hash = secret_hash(secret);
  auto record = users_.find_session(hash);
  users_.delete_session(hash);
  if (!record) return;
  if (auto user = users_.find_user(record->user_id)) ended(*user, hash);
}

std::int64_t UserService::end_all_sessions(const std::string& user_id) {
  const std::int64_t n = users_.delete_user_sessions(user_id);
  if (auto user = users_.find_user(user_id)) ended(*user);
  return n;
}

}  // namespace glmgate
