// SQLite implementation of Store: WAL mode so the CLI and a running server share one file.
// A mutex serializes this process's use of the connection.
#include <filesystem>
#include <mutex>

#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace glmgate {

namespace {

// Each entry runs once, in order; the schema's version is the number applied.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  revoked INTEGER NOT NULL DEFAULT 0,
  admin INTEGER NOT NULL DEFAULT 0,
  account_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  rev INTEGER NOT NULL
);
CREATE INDEX api_keys_rev ON api_keys(rev);
)sql",
};

constexpr std::string_view kKeyColumns =
    "id, name, prefix, hash, revoked, admin, account_id, created_at, rev";

KeyRecord read_key(const SqliteStatement& s) {
  KeyRecord k;
  k.id = s.text(0);
  k.name = s.text(1);
  k.prefix = s.text(2);
  k.hash = s.text(3);
  k.revoked = s.integer(4) != 0;
  k.admin = s.integer(5) != 0;
  k.account_id = s.text(6);
  k.created_at = s.integer(7);
  k.rev = s.integer(8);
  return k;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path) : db_(path) {
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    migrate();
  }

  void insert_key(const KeyRecord& key) override {
    std::lock_guard lock(mutex_);
    db_.exec("BEGIN IMMEDIATE");
    try {
      auto s = db_.prepare(
          "INSERT INTO api_keys (id, name, prefix, hash, revoked, admin, account_id, created_at, "
          "rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(rev), 0) + 1 FROM api_keys))");
      s.bind(1, key.id).bind(2, key.name).bind(3, key.prefix).bind(4, key.hash);
      s.bind(5, std::int64_t{key.revoked}).bind(6, std::int64_t{key.admin});
      s.bind(7, key.account_id).bind(8, key.created_at);
      s.step();
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

  std::vector<KeyRecord> list_keys() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kKeyColumns) +
                         " FROM api_keys ORDER BY created_at, id");
    std::vector<KeyRecord> out;
    while (s.step())
      out.push_back(read_key(s));
    return out;
  }

  bool revoke_key(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare(
        "UPDATE api_keys SET revoked = 1, rev = (SELECT MAX(rev) + 1 FROM api_keys) WHERE id = ?");
    s.bind(1, id);
    s.step();
    return db_.changes() > 0;
  }

  std::vector<KeyRecord> keys_changed_since(std::int64_t rev) override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT " + std::string(kKeyColumns) +
                         " FROM api_keys WHERE rev > ? ORDER BY rev");
    s.bind(1, rev);
    std::vector<KeyRecord> out;
    while (s.step())
      out.push_back(read_key(s));
    return out;
  }

  std::int64_t count_keys() override {
    std::lock_guard lock(mutex_);
    auto s = db_.prepare("SELECT COUNT(*) FROM api_keys");
    s.step();
    return s.integer(0);
  }

 private:
  void migrate() {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    db_.exec("BEGIN IMMEDIATE");
    try {
      auto q = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
      q.step();
      std::int64_t version = q.integer(0);
      for (std::size_t i = static_cast<std::size_t>(version); i < std::size(kMigrations); ++i) {
        db_.exec(kMigrations[i]);
        db_.prepare("INSERT INTO schema_version (version) VALUES (?)")
            .bind(1, static_cast<std::int64_t>(i + 1))
            .step();
      }
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

  std::mutex mutex_;
  SqliteDb db_;
};

}  // namespace

std::unique_ptr<Store> open_store(const std::string& spec) {
  constexpr std::string_view kScheme = "sqlite:";
  if (spec.rfind(kScheme, 0) != 0)
    throw std::runtime_error("store \"" + spec + "\": expected \"sqlite:PATH\"");
  std::filesystem::path path = spec.substr(kScheme.size());
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  return std::make_unique<SqliteStore>(path.string());
}

}  // namespace glmgate
