// Thin RAII wrapper over one sqlite3 connection and its prepared statements. Not thread-safe:
// the owner serializes access (SqliteStore holds a mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace glmgate {

// What a failed call of SQLite throws; `code` is its primary result code (SQLITE_CONSTRAINT...).
struct SqliteError : std::runtime_error {
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
  int code;
};

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, std::string_view text);
  // Without SQLite's copy: `text` must stay valid until the statement is reset or destroyed
  // (the batching writer binds the rows of a batch it holds).
  SqliteStatement& bind_view(int index, std::string_view text);
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind_null(int index);
  // True while a row is available; throws on error.
  bool step();
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  // Clears the bindings' results so the statement can run again with new bindings.
  void reset();
  // Like reset(), but keeps the bindings: only for a caller that binds every parameter again
  // before the next step (clearing them costs a pass over all of them).
  void rewind();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(std::string_view sql);
  SqliteStatement prepare(std::string_view sql) { return SqliteStatement(db_, sql); }
  sqlite3* handle() const { return db_; }
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted (an exception).
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db, bool write = true) : db_(db) {
    db_.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  ~SqliteTransaction() {
    if (!done_) try {
        db_.exec("ROLLBACK");
      } catch (...) {
      }
  }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace glmgate
