// PgPool: the few connections a PostgresStore shares between the threads that call it at once
// (the batching writer, the store sync, the blocking pool's threads, the sweeper). A caller leases
// one for a call and gives it back when the lease ends; with every connection leased, it waits for
// one. Connections open on demand, up to `size`.
//
// Reconnecting: a connection found lost when leased (a failed call saw it, or the server closed it
// while idle) is reset first (PQreset), and one that cannot be is dropped, its caller getting
// StoreUnavailable; the next lease opens a new one. So a restart of the server, or a network cut,
// fails the calls made meanwhile and no later ones. A lease that ends inside a transaction block (a
// call that threw between BEGIN and COMMIT) rolls it back.
// Threading: acquire() from any thread; a lease is its thread's alone.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/postgres/postgres_connection.hpp"

namespace glmgate {

class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->release(std::move(connection_));
    }
    PgConnection& operator*() const { return *connection_; }
    PgConnection* operator->() const { return connection_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // `shown` names the store in messages (postgres_url.hpp).
  PgPool(std::string url, std::string shown, std::size_t size);

  // A usable connection (waits while all `size` are leased). Throws StoreUnavailable when none
  // can be opened.
  Lease acquire();

 private:
  void release(std::unique_ptr<PgConnection> connection);

  const std::string url_;
  const std::string shown_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // the most recently used last
  std::size_t open_ = 0;                             // idle and leased
};

}  // namespace glmgate
