// SqliteServerLock; see sqlite_server_lock.hpp.
#include "backends/sqlite/sqlite_server_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "contracts/store/store_error.hpp"

namespace glmgate {

namespace {

// The PID the holder wrote, or "unknown" (it may not have written it yet).
std::string holder_of(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i)
    pid += buf[i];
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

SqliteServerLock::SqliteServerLock(const std::string& database_path, bool take) {
  if (!take) return;
  const std::string path = database_path + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open the server lock " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string holder = holder_of(fd_);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw StoreBusy("another glmgate server (pid " + holder +
                          ") is serving this store: it holds the lock " + path +
                          ". Stop it first, or give this server another store (config key store)",
                      holder, path);
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(error));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the PID; a second server then says "pid unknown".
  }
}

SqliteServerLock::~SqliteServerLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace glmgate
