// One libpq connection; see postgres_connection.hpp.
#include "backends/postgres/postgres_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>

#include "backends/postgres/postgres_url.hpp"

namespace glmgate {

namespace {

// libpq prints a server's notices (a NOTICE of CREATE ... IF NOT EXISTS) to stderr by default.
void ignore_notice(void*, const char*) {}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

bool is_ok(const PgResult& r) {
  if (!r.get()) return false;
  auto status = PQresultStatus(r.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

PgResult::~PgResult() {
  if (result_) PQclear(result_);
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgResult::rows() const {
  return result_ ? PQntuples(result_) : 0;
}

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgResult::integer(int row, int column) const {
  const char* value = PQgetvalue(result_, row, column);
  std::int64_t out = 0;
  std::from_chars(value, value + PQgetlength(result_, row, column), out);
  return out;
}

bool PgResult::boolean(int row, int column) const {
  return PQgetvalue(result_, row, column)[0] == 't';
}

std::int64_t PgResult::affected() const {
  const char* n = result_ ? PQcmdTuples(result_) : "";
  std::int64_t out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

PgConnection::PgConnection(const std::string& url, std::string shown)
    : shown_(std::move(shown)), secrets_(postgres_url_secrets(url)) {
  // Defaults the URL may override: a parameter of the URL (expanded from `dbname`) replaces the
  // ones before it. Without connect_timeout libpq waits as long as the kernel does (minutes), and
  // without keepalives a pooled connection that a firewall dropped is found dead after hours.
  const char* keys[] = {"connect_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "client_encoding",
                        "application_name",
                        "dbname",
                        nullptr};
  const char* values[] = {"10", "30", "10", "3", "UTF8", "glmgate", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw StoreUnavailable("cannot connect to the store " + shown_ + ": " +
                           scrub_postgres_secrets(why, secrets_));
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

bool PgConnection::usable() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  // An idle connection receives nothing (this store never LISTENs on a pooled one): anything to
  // read is the server's goodbye (a FATAL message, the end of the stream).
  pollfd p{PQsocket(conn_), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

bool PgConnection::await_notification(std::chrono::milliseconds timeout) {
  auto take = [this] {
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_)) {
      PQfreemem(n);
      any = true;
    }
    return any;
  };
  if (take()) return true;  // came with an earlier read
  pollfd p{PQsocket(conn_), POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0) return false;  // a signal: the caller waits again
  if (ready > 0 && PQconsumeInput(conn_) == 0) {
    broken_ = true;
    throw StoreUnavailable("lost the connection to the store " + shown_ + ": " +
                           scrub_postgres_secrets(trimmed(PQerrorMessage(conn_)), secrets_));
  }
  return take();
}

void PgConnection::reset() {
  prepared_.clear();
  broken_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw StoreUnavailable("cannot connect to the store " + shown_ + ": " +
                           scrub_postgres_secrets(trimmed(PQerrorMessage(conn_)), secrets_));
}

bool PgConnection::rollback_if_open() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  auto status = PQtransactionStatus(conn_);
  if (status == PQTRANS_IDLE) return true;
  if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR) return false;
  PgResult r(PQexec(conn_, "ROLLBACK"));
  return is_ok(r) && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

PgResult PgConnection::exec(std::string_view sql) {
  PgResult r(PQexec(conn_, std::string(sql).c_str()));
  check(r, "running a statement");
  return r;
}

PgResult PgConnection::query(std::string_view sql, const PgParams& params) {
  const std::string& name = prepared(sql);
  auto pointers = params.pointers();
  auto lengths = params.lengths();
  PgResult r(PQexecPrepared(conn_, name.c_str(), params.size(), pointers.data(), lengths.data(),
                            params.formats().data(), 0));
  check(r, "running a statement");
  return r;
}

std::vector<PgResult> PgConnection::pipeline(std::span<const PgCall> calls) {
  // Each call's prepared statement's name, or its text: both null-terminated.
  std::vector<std::string> texts;
  texts.reserve(calls.size());
  for (const auto& call : calls)
    texts.push_back(call.prepared ? prepared(call.sql) : std::string(call.sql));
  if (!PQenterPipelineMode(conn_)) fail(PgResult(), "starting a pipeline");
  // Until it leaves pipeline mode, a failure leaves the connection in a state no other call can
  // use: it is reset when next leased.
  PgResult first_error;
  auto abandon = [&](std::string_view doing) {
    broken_ = true;
    fail(first_error, doing);
  };
  std::size_t sent = 0;
  for (; sent < calls.size(); ++sent) {
    static const PgParams kNone;
    const PgParams& params = calls[sent].params ? *calls[sent].params : kNone;
    auto pointers = params.pointers();
    auto lengths = params.lengths();
    const int* formats = params.formats().data();
    const char* text = texts[sent].c_str();
    int ok = calls[sent].prepared ? PQsendQueryPrepared(conn_, text, params.size(), pointers.data(),
                                                        lengths.data(), formats, 0)
                                  : PQsendQueryParams(conn_, text, params.size(), nullptr,
                                                      pointers.data(), lengths.data(), formats, 0);
    if (!ok) break;
  }
  // A send fails only when the connection is lost: a live one queues whatever it is given.
  if (sent < calls.size() || !PQpipelineSync(conn_)) abandon("sending a pipeline");
  std::vector<PgResult> results;
  results.reserve(calls.size());
  for (std::size_t i = 0; i < sent; ++i) {
    PgResult r(PQgetResult(conn_));
    if (!r.get()) abandon("reading a pipeline's results");
    while (PGresult* more = PQgetResult(conn_))  // the query's results end with a null
      PQclear(more);
    // After the first error the server skips the rest (PGRES_PIPELINE_ABORTED) up to the sync.
    if (PQresultStatus(r.get()) == PGRES_FATAL_ERROR && !first_error.get())
      first_error = std::move(r);
    results.push_back(std::move(r));
    if (PQstatus(conn_) != CONNECTION_OK) abandon("reading a pipeline's results");
  }
  PgResult sync(PQgetResult(conn_));
  if (!sync.get() || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC ||
      !PQexitPipelineMode(conn_))
    abandon("ending a pipeline");
  if (first_error.get()) {
    rollback_if_open();
    fail(first_error, "running a pipeline");
  }
  return results;
}

const std::string& PgConnection::prepared(std::string_view sql) {
  auto found = prepared_.find(sql);
  if (found != prepared_.end()) return found->second;
  std::string name = "glmgate_" + std::to_string(prepared_.size() + 1);
  std::string text(sql);
  PgResult r(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
  check(r, "preparing a statement");
  return prepared_.emplace(std::move(text), std::move(name)).first->second;
}

void PgConnection::check(const PgResult& result, std::string_view doing) {
  if (!is_ok(result)) fail(result, doing);
}

void PgConnection::fail(const PgResult& result, std::string_view doing) {
  PGresult* r = result.get();
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (!state || PQstatus(conn_) != CONNECTION_OK) {
    throw StoreUnavailable(
        "the store " + shown_ + " could not be reached (" + std::string(doing) +
        "): " + scrub_postgres_secrets(trimmed(PQerrorMessage(conn_)), secrets_));
  }
  const std::string sqlstate = state;
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
  std::string message = primary ? primary : trimmed(PQresultErrorMessage(r));
  if (detail) message += std::string(" (") + trimmed(detail) + ")";
  message = scrub_postgres_secrets(std::move(message), secrets_);
  if (sqlstate == "23505") {
    const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    throw PgUniqueViolation(message, constraint ? constraint : "");
  }
  if (sqlstate.starts_with("23")) throw StoreConflict(message);
  if (sqlstate == "40001" || sqlstate == "40P01")
    throw PgRetryable("the store " + shown_ + ": " + message);
  throw StoreUnavailable("the store " + shown_ + " failed (" + std::string(doing) +
                         "): " + message + " [SQLSTATE " + sqlstate + "]");
}

}  // namespace glmgate
