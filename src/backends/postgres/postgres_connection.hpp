// One libpq connection (PgConnection), a query's result (PgResult) and what a failure means.
//
// Every statement with parameters is prepared once per connection (by its text) and sent in
// libpq's extended protocol with text parameters; pipeline() sends several in one round trip
// (libpq's pipeline mode). A connection serves one thread at a time: PgPool (postgres_pool.hpp)
// hands them out. It is not tied to the pool, so that a dedicated connection (a LISTEN one) can be
// made the same way.
// Errors, as contracts/store/store_error.hpp says: an integrity violation (SQLSTATE class 23:
// unique, foreign key, not null, check) throws StoreConflict with the server's words; a lost
// connection, or any other failure, throws StoreUnavailable (PgRetryable for a deadlock or a
// serialization failure, which a transaction may simply run again). A lost connection is not
// usable() until reset(). No message carries the URL's password: the connection names the store by
// its redacted URL and takes the password out of libpq's own messages (postgres_url.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backends/postgres/postgres_params.hpp"
#include "contracts/store/store_error.hpp"

struct pg_conn;
struct pg_result;

namespace glmgate {

// A deadlock or a serialization failure: nothing was written, and the same transaction may run
// again at once.
struct PgRetryable : StoreUnavailable {
  using StoreUnavailable::StoreUnavailable;
};

// A unique constraint broke (SQLSTATE 23505): nothing was written. `constraint` is its name.
struct PgUniqueViolation : StoreConflict {
  PgUniqueViolation(const std::string& message, std::string constraint_name)
      : StoreConflict(message), constraint(std::move(constraint_name)) {}
  std::string constraint;
};

// Owns a PGresult. Values are read as text (the protocol's text format); NULL reads as "" or 0.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;  // 't'
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  pg_result* get() const { return result_; }

 private:
  pg_result* result_ = nullptr;
};

// A statement of a pipeline and its parameters (null: none). A statement that is not `prepared`
// is planned each time for its parameters' values (a batch's arrays, whose sizes vary).
struct PgCall {
  std::string_view sql;
  const PgParams* params = nullptr;
  bool prepared = true;
};

class PgConnection {
 public:
  // Connects to `url` (a libpq connection URI or string: every libpq parameter works). `shown`
  // names the store in messages (the URL without its password). Throws StoreUnavailable.
  PgConnection(const std::string& url, std::string shown);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // False when the connection is lost: a failed call saw it, or the server closed it while idle
  // (a restart, pg_terminate_backend), which this notices without a round trip.
  bool usable();
  // Connects again with the same parameters (prepared statements are gone with the old session).
  // Throws StoreUnavailable.
  void reset();
  // Ends an open transaction block a failed call left behind; false when that failed too.
  bool rollback_if_open();

  // Runs `sql` (one or several statements without parameters) in the simple protocol; the last
  // statement's result.
  PgResult exec(std::string_view sql);
  // Runs one statement with `params`, prepared on first use.
  PgResult query(std::string_view sql, const PgParams& params = {});
  // Sends `calls` in one round trip and returns their results in order. After the first that
  // fails, the server skips the rest; its error is thrown once every result is read, and a
  // transaction block the calls opened (BEGIN) is rolled back.
  std::vector<PgResult> pipeline(std::span<const PgCall> calls);

  // Waits up to `timeout` for a notification of a channel this connection LISTENs on; true when
  // one (or several) came. Throws StoreUnavailable when the connection is lost.
  bool await_notification(std::chrono::milliseconds timeout);

  const std::string& shown() const { return shown_; }

 private:
  // The name `sql` is prepared under on this connection, preparing it the first time.
  const std::string& prepared(std::string_view sql);
  // Throws what the failed `result` (or, when null, the connection's state) means.
  [[noreturn]] void fail(const PgResult& result, std::string_view doing);
  void check(const PgResult& result, std::string_view doing);

  // Lookups by the statement's text without a copy of it.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>()(text);
    }
  };

  pg_conn* conn_ = nullptr;
  std::string shown_;
  std::vector<std::string> secrets_;  // the URL's passwords, taken out of libpq's messages
  bool broken_ = false;               // left mid-pipeline: reset before any other use
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>>
      prepared_;  // text -> name
};

// BEGIN ... COMMIT on one connection, rolled back when destroyed uncommitted (an exception).
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection, std::string_view begin = "BEGIN")
      : connection_(connection) {
    connection_.exec(begin);
  }
  ~PgTransaction() {
    if (!done_) connection_.rollback_if_open();
  }
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  void commit() {
    done_ = true;  // a COMMIT that fails has ended the transaction too
    connection_.exec("COMMIT");
  }

 private:
  PgConnection& connection_;
  bool done_ = false;
};

}  // namespace glmgate
