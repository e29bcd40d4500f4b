// PostgresStore's KeyStore: the api_keys table. An insert or a revocation is one statement that
// takes the next change position (postgres_change_feed.cpp) as it writes the key.
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

void PostgresStore::insert_key(const KeyRecord& key) {
  auto c = pool_.acquire();
  PgParams p;
  p.text(key.id).text(key.name).text(key.prefix).text(key.hash).boolean(key.revoked);
  p.boolean(key.admin).text(key.account_id).integer(key.created_at).integer(key.rpm);
  p.integer(key.tpm).integer(key.max_concurrency).integer(key.expires_at_ms).text(key.session_id);
  p.text(key.user_id);
  PgResult r;
  try {
    // The position is taken only when the account exists ('' is an admin key of no account).
    r = c->query(
        "WITH p AS (UPDATE change_counter SET position = position + 1 WHERE $7::text = '' OR "
        "EXISTS (SELECT 1 FROM accounts WHERE id = $7::text) RETURNING position) "
        "INSERT INTO api_keys (id, name, prefix, hash, revoked, admin, account_id, created_at, "
        "rev, rpm, tpm, max_concurrency, expires_at, session_id, user_id) SELECT $1::text, "
        "$2::text, $3::text, $4::text, $5::boolean, $6::boolean, $7::text, $8::bigint, "
        "p.position, $9::bigint, $10::bigint, $11::bigint, $12::bigint, $13::text, $14::text "
        "FROM p",
        p);
  } catch (const StoreConflict&) {
    throw StoreConflict("a key with the id \"" + key.id + "\" or its hash exists");
  }
  if (r.affected() == 0) throw StoreConflict("no account has the id \"" + key.account_id + "\"");
}

std::vector<KeyRecord> PostgresStore::list_keys(const std::optional<std::string>& account_id) {
  auto c = pool_.acquire();
  const std::string select = "SELECT " + std::string(kPgKeyColumns) + " FROM api_keys";
  const std::string order = " ORDER BY created_at, id COLLATE \"C\"";
  if (account_id)
    return read_rows(
        c->query(select + " WHERE account_id = $1" + order, PgParams().text(*account_id)),
        read_key);
  return read_rows(c->query(select + order), read_key);
}

std::vector<KeyRecord> PostgresStore::list_keys_page(const std::optional<std::string>& account_id,
                                                     const std::string& after_id,
                                                     std::int64_t limit) {
  auto c = pool_.acquire();
  const std::string select =
      "SELECT " + std::string(kPgKeyColumns) + " FROM api_keys WHERE id > $1 AND session_id = ''";
  if (account_id)
    return read_rows(c->query(select + " AND account_id = $3 ORDER BY id LIMIT $2::bigint",
                              PgParams().text(after_id).integer(limit).text(*account_id)),
                     read_key);
  return read_rows(
      c->query(select + " ORDER BY id LIMIT $2::bigint", PgParams().text(after_id).integer(limit)),
      read_key);
}

bool PostgresStore::revoke_key(const std::string& id) {
  auto c = pool_.acquire();
  return c->query(
              "WITH p AS (UPDATE change_counter SET position = position + 1 WHERE EXISTS "
              "(SELECT 1 FROM api_keys WHERE id = $1::text) RETURNING position) "
              "UPDATE api_keys SET revoked = true, rev = p.position FROM p WHERE id = $1::text",
              PgParams().text(id))
             .affected() > 0;
}

std::optional<KeyRecord> PostgresStore::find_key(const std::string& id) {
  auto c = pool_.acquire();
  auto r = c->query("SELECT " + std::string(kPgKeyColumns) + " FROM api_keys WHERE id = $1",
                    PgParams().text(id));
  if (r.rows() == 0) return std::nullopt;
  return read_key(r, 0);
}

std::int64_t PostgresStore::expire_keys(std::int64_t now_ms, std::int64_t forget_before_ms) {
  auto c = pool_.acquire();
  // One change position for the keys revoked together. The change counter is locked before any
  // key row, as revoke_key and insert_key lock them: a sign-out revoking a chat key while the
  // sweeper expires it never deadlocks with it (a key revoked meanwhile is skipped: NOT revoked
  // is checked again on the locked row).
  const std::int64_t revoked =
      c->query(
           "WITH p AS (UPDATE change_counter SET position = position + 1 WHERE EXISTS (SELECT 1 "
           "FROM api_keys WHERE expires_at > 0 AND expires_at <= $1::bigint AND NOT revoked) "
           "RETURNING position) "
           "UPDATE api_keys k SET revoked = true, rev = p.position FROM p WHERE k.expires_at > 0 "
           "AND k.expires_at <= $1::bigint AND NOT k.revoked",
           PgParams().integer(now_ms))
          .affected();
  c->query("DELETE FROM api_keys WHERE expires_at > 0 AND expires_at < $1::bigint AND revoked",
           PgParams().integer(forget_before_ms));
  return revoked;
}

std::int64_t PostgresStore::count_keys() {
  auto c = pool_.acquire();
  return c->query("SELECT count(*) FROM api_keys").integer(0, 0);
}

}  // namespace glmgate
