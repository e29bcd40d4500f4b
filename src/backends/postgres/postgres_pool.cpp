// The connection pool; see postgres_pool.hpp.
#include "backends/postgres/postgres_pool.hpp"

namespace glmgate {

PgPool::PgPool(std::string url, std::string shown, std::size_t size)
    : url_(std::move(url)), shown_(std::move(shown)), size_(size) {}

PgPool::Lease PgPool::acquire() {
  std::unique_ptr<PgConnection> connection;
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  // Connecting takes a round trip or more: outside the lock, so other threads lease meanwhile.
  try {
    if (!connection)
      connection = std::make_unique<PgConnection>(url_, shown_);
    else if (!connection->usable())
      connection->reset();
  } catch (...) {
    connection.reset();
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    returned_.notify_one();
    throw;
  }
  return Lease(*this, std::move(connection));
}

void PgPool::release(std::unique_ptr<PgConnection> connection) {
  connection->rollback_if_open();  // a lost connection stays in, to be reset when leased
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace glmgate
