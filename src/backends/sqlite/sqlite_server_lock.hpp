// SqliteServerLock: one server per SQLite file. A server holds an exclusive advisory lock (flock)
// on "<database>.lock" for its whole life, with its PID written in the file; a second server finds
// the lock taken and refuses to start (StoreBusy), naming the PID it reads there and the lock's
// path. The kernel drops the lock with the process however it ends (kill -9 included), so a lock
// is never stale; the file stays (removing it would let two servers lock two different files).
// The CLI's commands take no lock: SQLite's own locking lets them write beside a server.
// Not copyable; the lock goes when the object does.
#pragma once

#include <string>

namespace glmgate {

class SqliteServerLock {
 public:
  // Takes the lock when `take` (else holds nothing). Throws StoreBusy when another process (or
  // another store object of this one) holds it, std::runtime_error when the file cannot be opened.
  SqliteServerLock(const std::string& database_path, bool take);
  ~SqliteServerLock();
  SqliteServerLock(const SqliteServerLock&) = delete;
  SqliteServerLock& operator=(const SqliteServerLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace glmgate
