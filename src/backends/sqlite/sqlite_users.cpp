// SqliteStore's UserStore: the users, user_links and sessions tables (migration 0012). One
// writer at a time (the store's mutex and a write transaction), so redeem_link's check and its
// update cannot interleave with another's.
#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

namespace {

constexpr std::string_view kUserColumns =
    "id, email, role, account_id, password_hash, disabled, created_by, created_at";
// What a read returns: the columns above, then the sign-in failures (migration 0015 / 10).
constexpr std::string_view kUserReadColumns =
    "id, email, role, account_id, password_hash, disabled, created_by, created_at, "
    "failed_sign_ins, locked_until";
constexpr std::string_view kLinkColumns =
    "token_hash, user_id, purpose, created_at, expires_at, used_at";
constexpr std::string_view kSessionColumns =
    "id_hash, user_id, created_at, last_seen_at, expires_at";
constexpr std::int64_t kDayMs = 86'400'000;

UserRecord read_user(const SqliteStatement& s) {
  return UserRecord{s.text(0),         s.text(1), s.text(2),    s.text(3),    s.text(4),
                    s.integer(5) != 0, s.text(6), s.integer(7), s.integer(8), s.integer(9)};
}

UserLink read_link(const SqliteStatement& s) {
  return UserLink{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4), s.integer(5)};
}

SessionRecord read_session(const SqliteStatement& s) {
  return SessionRecord{s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4)};
}

}  // namespace

void SqliteStore::insert_user(const UserRecord& user) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  {
    auto q = db_.prepare("SELECT 1 FROM users WHERE id = ?1 OR email = ?2");
    q.bind(1, user.id).bind(2, user.email);
    if (q.step())
      throw StoreConflict("a user with the id \"" + user.id + "\" or the email \"" + user.email +
                          "\" exists");
  }
  if (!user.account_id.empty()) {
    auto q = db_.prepare("SELECT 1 FROM accounts WHERE id = ?");
    q.bind(1, user.account_id);
    if (!q.step()) throw StoreConflict("no account has the id \"" + user.account_id + "\"");
  }
  auto s = db_.prepare("INSERT INTO users (" + std::string(kUserColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, user.id).bind(2, user.email).bind(3, user.role).bind(4, user.account_id);
  s.bind(5, user.password_hash).bind(6, std::int64_t{user.disabled}).bind(7, user.created_by);
  s.bind(8, user.created_at);
  s.step();
  tx.commit();
}

std::optional<UserRecord> SqliteStore::find_user(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kUserReadColumns) + " FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<UserRecord> SqliteStore::find_user_by_email(const std::string& email) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kUserReadColumns) + " FROM users WHERE email = ?");
  s.bind(1, email);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::vector<UserRecord> SqliteStore::list_users(const std::optional<std::string>& account_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kUserReadColumns) + " FROM users" +
                       (account_id ? " WHERE account_id = ?" : "") + " ORDER BY created_at, id");
  if (account_id) s.bind(1, *account_id);
  return read_rows(s, read_user);
}

bool SqliteStore::set_user_disabled(const std::string& user_id, bool disabled) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto s = db_.prepare("UPDATE users SET disabled = ?2 WHERE id = ?1");
  s.bind(1, user_id).bind(2, std::int64_t{disabled});
  s.step();
  if (db_.changes() == 0) return false;
  if (disabled) {
    auto d = db_.prepare("DELETE FROM sessions WHERE user_id = ?");
    d.bind(1, user_id);
    d.step();
    auto links = db_.prepare(
        "UPDATE user_links SET used_at = max(created_at, 1) WHERE user_id = ? AND used_at = 0");
    links.bind(1, user_id);
    links.step();
  }
  tx.commit();
  return true;
}

bool SqliteStore::set_password_hash(const std::string& user_id, const std::string& hash) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1");
  s.bind(1, user_id).bind(2, hash);
  s.step();
  return db_.changes() > 0;
}

std::int64_t SqliteStore::record_failed_sign_in(const std::string& user_id, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // SET reads the row as it was: failed_sign_ins + 1 is the count after this failure.
  auto s = db_.prepare(
      "UPDATE users SET failed_sign_ins = failed_sign_ins + 1, locked_until = CASE WHEN "
      "failed_sign_ins + 1 >= 5 THEN ?2 + min(900, 1 << min(10, failed_sign_ins - 4)) * 1000 "
      "ELSE 0 END WHERE id = ?1 RETURNING locked_until");
  s.bind(1, user_id).bind(2, now_ms);
  return s.step() ? s.integer(0) : 0;
}

void SqliteStore::clear_failed_sign_ins(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  db_.prepare("UPDATE users SET failed_sign_ins = 0, locked_until = 0 WHERE id = ?")
      .bind(1, user_id)
      .step();
}

std::int64_t SqliteStore::record_failed_sign_in_from(const std::string& address,
                                                     std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // SET reads the row as it was. A run ends 15 minutes after its last failure or the end of its
  // lock, whichever is later: a run at the longest lock goes on past it.
  auto s = db_.prepare(
      "INSERT INTO sign_in_addresses (address, failures, last_at, locked_until) VALUES (?1, 1, "
      "?2, 0) ON CONFLICT (address) DO UPDATE SET failures = CASE WHEN max(last_at, "
      "locked_until) <= ?2 - 900000 THEN 1 ELSE failures + 1 END, last_at = ?2, locked_until = "
      "CASE WHEN max(last_at, locked_until) > ?2 - 900000 AND failures + 1 >= 10 THEN ?2 + "
      "min(900, 1 << min(10, failures - 9)) * 1000 ELSE 0 END RETURNING locked_until");
  s.bind(1, address).bind(2, now_ms);
  return s.step() ? s.integer(0) : 0;
}

std::int64_t SqliteStore::address_locked_until(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT locked_until FROM sign_in_addresses WHERE address = ?1");
  s.bind(1, address);
  return s.step() ? s.integer(0) : 0;
}

void SqliteStore::insert_link(const UserLink& link) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("INSERT INTO user_links (" + std::string(kLinkColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, link.token_hash).bind(2, link.user_id).bind(3, link.purpose);
  s.bind(4, link.created_at).bind(5, link.expires_at).bind(6, link.used_at);
  s.step();
}

std::int64_t SqliteStore::retire_links(const std::string& user_id, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("UPDATE user_links SET used_at = ?2 WHERE user_id = ?1 AND used_at = 0");
  s.bind(1, user_id).bind(2, now_ms);
  s.step();
  return db_.changes();
}

std::optional<UserLink> SqliteStore::find_link(const std::string& token_hash, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto s =
      db_.prepare("SELECT " + std::string(kLinkColumns) +
                  " FROM user_links WHERE token_hash = ?1 AND used_at = 0 AND expires_at > ?2");
  s.bind(1, token_hash).bind(2, now_ms);
  if (!s.step()) return std::nullopt;
  return read_link(s);
}

std::optional<UserLink> SqliteStore::redeem_link(const std::string& token_hash,
                                                 const std::string& password_hash,
                                                 std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto s = db_.prepare("SELECT " + std::string(kLinkColumns) +
                       " FROM user_links l WHERE token_hash = ?1 AND used_at = 0 AND expires_at > "
                       "?2 AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id AND NOT "
                       "u.disabled)");
  s.bind(1, token_hash).bind(2, now_ms);
  if (!s.step()) return std::nullopt;
  UserLink link = read_link(s);
  // This link, and the user's other open ones: an older invitation or reset mailed somewhere
  // must not set a password again.
  auto used = db_.prepare("UPDATE user_links SET used_at = ?2 WHERE user_id = ?1 AND used_at = 0");
  used.bind(1, link.user_id).bind(2, now_ms);
  used.step();
  auto password = db_.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1");
  password.bind(1, link.user_id).bind(2, password_hash);
  password.step();
  auto sessions = db_.prepare("DELETE FROM sessions WHERE user_id = ?");
  sessions.bind(1, link.user_id);
  sessions.step();
  tx.commit();
  return link;
}

void SqliteStore::insert_session(const SessionRecord& session) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("INSERT INTO sessions (" + std::string(kSessionColumns) +
                       ") VALUES (?, ?, ?, ?, ?)");
  s.bind(1, session.id_hash).bind(2, session.user_id).bind(3, session.created_at);
  s.bind(4, session.last_seen_at).bind(5, session.expires_at);
  s.step();
}

std::optional<SessionRecord> SqliteStore::find_session(const std::string& id_hash) {
  std::lock_guard lock(mutex_);
  auto s =
      db_.prepare("SELECT " + std::string(kSessionColumns) + " FROM sessions WHERE id_hash = ?");
  s.bind(1, id_hash);
  if (!s.step()) return std::nullopt;
  return read_session(s);
}

void SqliteStore::touch_session(const std::string& id_hash, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto s =
      db_.prepare("UPDATE sessions SET last_seen_at = max(last_seen_at, ?2) WHERE id_hash = ?1");
  s.bind(1, id_hash).bind(2, now_ms);
  s.step();
}

bool SqliteStore::delete_session(const std::string& id_hash) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("DELETE FROM sessions WHERE id_hash = ?");
  s.bind(1, id_hash);
  s.step();
  return db_.changes() > 0;
}

std::int64_t SqliteStore::delete_user_sessions(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("DELETE FROM sessions WHERE user_id = ?");
  s.bind(1, user_id);
  s.step();
  return db_.changes();
}

std::int64_t SqliteStore::sweep_users(std::int64_t now_ms, std::int64_t idle_ms) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto sessions =
      db_.prepare("DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?1 - ?2");
  sessions.bind(1, now_ms).bind(2, idle_ms);
  sessions.step();
  std::int64_t n = db_.changes();
  auto links = db_.prepare(
      "DELETE FROM user_links WHERE expires_at <= ?1 - ?2 OR (used_at > 0 AND used_at <= ?1 - ?2)");
  links.bind(1, now_ms).bind(2, kDayMs);
  links.step();
  n += db_.changes();
  auto addresses = db_.prepare("DELETE FROM sign_in_addresses WHERE last_at <= ?1 - ?2");
  addresses.bind(1, now_ms).bind(2, kDayMs);
  addresses.step();
  n += db_.changes();
  tx.commit();
  return n;
}

}  // namespace glmgate
