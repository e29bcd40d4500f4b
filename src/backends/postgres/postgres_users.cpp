// PostgresStore's UserStore: the users, user_links and sessions tables (migration 0007). Each
// call is one statement; redeem_link's is an UPDATE that only an unused link matches, so of two
// servers redeeming one link at once the second finds it used (it waits for the first's row lock
// and then re-checks).
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

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

UserRecord read_user(const PgResult& r, int row) {
  return UserRecord{r.text(row, 0),    r.text(row, 1),    r.text(row, 2), r.text(row, 3),
                    r.text(row, 4),    r.boolean(row, 5), r.text(row, 6), r.integer(row, 7),
                    r.integer(row, 8), r.integer(row, 9)};
}

UserLink read_link(const PgResult& r, int row) {
  return UserLink{r.text(row, 0),    r.text(row, 1),    r.text(row, 2),
                  r.integer(row, 3), r.integer(row, 4), r.integer(row, 5)};
}

SessionRecord read_session(const PgResult& r, int row) {
  return SessionRecord{r.text(row, 0), r.text(row, 1), r.integer(row, 2), r.integer(row, 3),
                       r.integer(row, 4)};
}

template <class Read>
auto first_row(const PgResult& r, Read read) -> std::optional<decltype(read(r, 0))> {
  if (r.rows() == 0) return std::nullopt;
  return read(r, 0);
}

}  // namespace

void PostgresStore::insert_user(const UserRecord& user) {
  static const std::string kInsert =
      "INSERT INTO users (" + std::string(kUserColumns) +
      ") SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::boolean, $7::text, "
      "$8::bigint WHERE $4::text = '' OR EXISTS (SELECT 1 FROM accounts WHERE id = $4::text)";
  PgParams p;
  p.text(user.id).text(user.email).text(user.role).text(user.account_id).text(user.password_hash);
  p.boolean(user.disabled).text(user.created_by).integer(user.created_at);
  auto c = pool_.acquire();
  PgResult r;
  try {
    r = c->query(kInsert, p);
  } catch (const StoreConflict&) {
    throw StoreConflict("a user with the id \"" + user.id + "\" or the email \"" + user.email +
                        "\" exists");
  }
  if (r.affected() == 0) throw StoreConflict("no account has the id \"" + user.account_id + "\"");
}

std::optional<UserRecord> PostgresStore::find_user(const std::string& id) {
  static const std::string kQuery =
      "SELECT " + std::string(kUserReadColumns) + " FROM users WHERE id = $1";
  auto c = pool_.acquire();
  return first_row(c->query(kQuery, PgParams().text(id)), read_user);
}

std::optional<UserRecord> PostgresStore::find_user_by_email(const std::string& email) {
  static const std::string kQuery =
      "SELECT " + std::string(kUserReadColumns) + " FROM users WHERE email = $1";
  auto c = pool_.acquire();
  return first_row(c->query(kQuery, PgParams().text(email)), read_user);
}

std::vector<UserRecord> PostgresStore::list_users(const std::optional<std::string>& account_id) {
  const std::string select = "SELECT " + std::string(kUserReadColumns) + " FROM users";
  const std::string order = " ORDER BY created_at, id COLLATE \"C\"";
  auto c = pool_.acquire();
  if (account_id)
    return read_rows(
        c->query(select + " WHERE account_id = $1" + order, PgParams().text(*account_id)),
        read_user);
  return read_rows(c->query(select + order), read_user);
}

bool PostgresStore::set_user_disabled(const std::string& user_id, bool disabled) {
  auto c = pool_.acquire();
  auto r = c->query(
      "WITH u AS (UPDATE users SET disabled = $2::boolean WHERE id = $1::text RETURNING id), "
      "s AS (DELETE FROM sessions WHERE $2::boolean AND user_id IN (SELECT id FROM u)), "
      "l AS (UPDATE user_links SET used_at = greatest(created_at, 1) WHERE $2::boolean AND "
      "user_id IN (SELECT id FROM u) AND used_at = 0) "
      "SELECT count(*) FROM u",
      PgParams().text(user_id).boolean(disabled));
  return r.integer(0, 0) > 0;
}

bool PostgresStore::set_password_hash(const std::string& user_id, const std::string& hash) {
  auto c = pool_.acquire();
  return c->query("UPDATE users SET password_hash = $2 WHERE id = $1",
                  PgParams().text(user_id).text(hash))
             .affected() > 0;
}

std::int64_t PostgresStore::record_failed_sign_in(const std::string& user_id, std::int64_t now_ms) {
  auto c = pool_.acquire();
  // SET reads the row as it was: failed_sign_ins + 1 is the count after this failure.
  auto r = c->query(
      "UPDATE users SET failed_sign_ins = failed_sign_ins + 1, locked_until = CASE WHEN "
      "failed_sign_ins + 1 >= 5 THEN $2::bigint + least(900, 1::bigint << least(10, "
      "failed_sign_ins - 4)::integer) * 1000 ELSE 0 END WHERE id = $1 RETURNING locked_until",
      PgParams().text(user_id).integer(now_ms));
  return r.rows() > 0 ? r.integer(0, 0) : 0;
}

void PostgresStore::clear_failed_sign_ins(const std::string& user_id) {
  auto c = pool_.acquire();
  c->query("UPDATE users SET failed_sign_ins = 0, locked_until = 0 WHERE id = $1",
           PgParams().text(user_id));
}

std::int64_t PostgresStore::record_failed_sign_in_from(const std::string& address,
                                                       std::int64_t now_ms) {
  auto c = pool_.acquire();
  // SET reads the row as it was. A run ends 15 minutes after its last failure or the end of its
  // lock, whichever is later: a run at the longest lock goes on past it.
  auto r = c->query(
      "INSERT INTO sign_in_addresses AS a (address, failures, last_at, locked_until) VALUES ($1, "
      "1, $2::bigint, 0) ON CONFLICT (address) DO UPDATE SET failures = CASE WHEN "
      "greatest(a.last_at, a.locked_until) <= $2::bigint - 900000 THEN 1 ELSE a.failures + 1 END, "
      "last_at = $2::bigint, locked_until = CASE WHEN greatest(a.last_at, a.locked_until) > "
      "$2::bigint - 900000 AND a.failures + 1 >= 10 THEN $2::bigint + least(900, 1::bigint << "
      "least(10, a.failures - 9)::integer) * 1000 ELSE 0 END RETURNING locked_until",
      PgParams().text(address).integer(now_ms));
  return r.rows() > 0 ? r.integer(0, 0) : 0;
}

std::int64_t PostgresStore::address_locked_until(const std::string& address) {
  auto c = pool_.acquire();
  auto r = c->query("SELECT locked_until FROM sign_in_addresses WHERE address = $1",
                    PgParams().text(address));
  return r.rows() > 0 ? r.integer(0, 0) : 0;
}

void PostgresStore::insert_link(const UserLink& link) {
  static const std::string kInsert =
      "INSERT INTO user_links (" + std::string(kLinkColumns) + ") VALUES ($1, $2, $3, $4, $5, $6)";
  PgParams p;
  p.text(link.token_hash).text(link.user_id).text(link.purpose).integer(link.created_at);
  p.integer(link.expires_at).integer(link.used_at);
  auto c = pool_.acquire();
  c->query(kInsert, p);
}

std::int64_t PostgresStore::retire_links(const std::string& user_id, std::int64_t now_ms) {
  auto c = pool_.acquire();
  return c
      ->query("UPDATE user_links SET used_at = $2::bigint WHERE user_id = $1 AND used_at = 0",
              PgParams().text(user_id).integer(now_ms))
      .affected();
}

std::optional<UserLink> PostgresStore::find_link(const std::string& token_hash,
                                                 std::int64_t now_ms) {
  static const std::string kQuery =
      "SELECT " + std::string(kLinkColumns) +
      " FROM user_links WHERE token_hash = $1 AND used_at = 0 AND expires_at > $2::bigint";
  auto c = pool_.acquire();
  return first_row(c->query(kQuery, PgParams().text(token_hash).integer(now_ms)), read_link);
}

std::optional<UserLink> PostgresStore::redeem_link(const std::string& token_hash,
                                                   const std::string& password_hash,
                                                   std::int64_t now_ms) {
  static const std::string kRedeem =
      "WITH l AS (UPDATE user_links SET used_at = $3::bigint WHERE token_hash = $1::text AND "
      "used_at = 0 AND expires_at > $3::bigint AND EXISTS (SELECT 1 FROM users u WHERE u.id = "
      "user_links.user_id AND NOT u.disabled) RETURNING token_hash, user_id, purpose, "
      "created_at, expires_at), "
      "o AS (UPDATE user_links SET used_at = $3::bigint WHERE user_id IN (SELECT user_id FROM l) "
      "AND used_at = 0 AND token_hash <> $1::text), "
      "p AS (UPDATE users SET password_hash = $2::text WHERE id IN (SELECT user_id FROM l)), "
      "s AS (DELETE FROM sessions WHERE user_id IN (SELECT user_id FROM l)) "
      "SELECT token_hash, user_id, purpose, created_at, expires_at, 0 FROM l";
  auto c = pool_.acquire();
  return first_row(
      c->query(kRedeem, PgParams().text(token_hash).text(password_hash).integer(now_ms)),
      read_link);
}

void PostgresStore::insert_session(const SessionRecord& session) {
  static const std::string kInsert =
      "INSERT INTO sessions (" + std::string(kSessionColumns) + ") VALUES ($1, $2, $3, $4, $5)";
  PgParams p;
  p.text(session.id_hash).text(session.user_id).integer(session.created_at);
  p.integer(session.last_seen_at).integer(session.expires_at);
  auto c = pool_.acquire();
  c->query(kInsert, p);
}

std::optional<SessionRecord> PostgresStore::find_session(const std::string& id_hash) {
  static const std::string kQuery =
      "SELECT " + std::string(kSessionColumns) + " FROM sessions WHERE id_hash = $1";
  auto c = pool_.acquire();
  return first_row(c->query(kQuery, PgParams().text(id_hash)), read_session);
}

void PostgresStore::touch_session(const std::string& id_hash, std::int64_t now_ms) {
  auto c = pool_.acquire();
  c->query(
      "UPDATE sessions SET last_seen_at = greatest(last_seen_at, $2::bigint) WHERE id_hash = $1",
      PgParams().text(id_hash).integer(now_ms));
}

bool PostgresStore::delete_session(const std::string& id_hash) {
  auto c = pool_.acquire();
  return c->query("DELETE FROM sessions WHERE id_hash = $1", PgParams().text(id_hash)).affected() >
         0;
}

std::int64_t PostgresStore::delete_user_sessions(const std::string& user_id) {
  auto c = pool_.acquire();
  return c->query("DELETE FROM sessions WHERE user_id = $1", PgParams().text(user_id)).affected();
}

std::int64_t PostgresStore::sweep_users(std::int64_t now_ms, std::int64_t idle_ms) {
  auto c = pool_.acquire();
  auto r = c->query(
      "WITH s AS (DELETE FROM sessions WHERE expires_at <= $1::bigint OR last_seen_at <= "
      "$1::bigint - $2::bigint RETURNING 1), l AS (DELETE FROM user_links WHERE expires_at <= "
      "$1::bigint - $3::bigint OR (used_at > 0 AND used_at <= $1::bigint - $3::bigint) "
      "RETURNING 1), a AS (DELETE FROM sign_in_addresses WHERE last_at <= $1::bigint - "
      "$3::bigint RETURNING 1) SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM l) + "
      "(SELECT count(*) FROM a)",
      PgParams().integer(now_ms).integer(idle_ms).integer(kDayMs));
  return r.integer(0, 0);
}

}  // namespace glmgate
