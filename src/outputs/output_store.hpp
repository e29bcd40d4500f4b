// OutputStore: where generated outputs are kept for retrieval by ID, and the recent ones until
// they are on disk. keep() runs on I/O threads and never blocks on disk: it hands the row to the
// batching writer and holds it in a small in-memory map until the writer has committed it, so a
// GET right after the answer finds it. find() and remove() read the store and block: call them on
// a blocking pool. Thread-safe; owned by the app for as long as the server runs.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "gateway/seams.hpp"
#include "store/store.hpp"

namespace glmgate {

class BatchWriter;

class OutputStore final : public OutputSink {
 public:
  // `retention_ms` 0 turns storing off: keep() drops everything.
  OutputStore(Store& store, BatchWriter& writer, std::int64_t retention_ms);

  bool enabled() const override { return retention_ms_ > 0; }
  void keep(StoredOutput output, std::optional<TaskRecord> task) override;
  // The writer calls this after each commit.
  void committed(const WriteBatch& batch);

  // Blocking. The output with `id` if `account_id` owns it (and it has not expired).
  std::optional<StoredOutput> find(const std::string& id, const std::string& account_id);
  // Blocking. False when the account has no output with that id.
  bool remove(const std::string& id, const std::string& account_id);

  std::int64_t retention_ms() const { return retention_ms_; }

 private:
  Store& store_;
  BatchWriter& writer_;
  std::int64_t retention_ms_;
  std::mutex mutex_;
  std::unordered_map<std::string, StoredOutput> pending_;
};

std::int64_t unix_ms_now();

}  // namespace glmgate
