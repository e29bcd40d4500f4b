// OutputService: where generated outputs are kept for retrieval by ID. keep() runs on I/O threads
// and never blocks on disk: it queues the row for the batching writer. find() and remove() read
// the store (contracts/store/output_store.hpp) and block (call them on a blocking pool); a find
// that misses has the writer commit what it holds first, so a GET right after the answer finds it
// without the request path keeping a second copy of every output. When other servers share the
// store, an output one of them made in the last seconds may still wait in its writer: a find of
// such an ID (its second is in it) looks again until their commits must have come
// (`others_commit_within`), so a GET on any server right after the answer finds it. Thread-safe;
// owned by the app for as long as the server runs.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "contracts/output_sink.hpp"
#include "contracts/store/output_store.hpp"
#include "core/clock.hpp"

namespace glmgate {

class BatchWriter;

class OutputService final : public OutputSink {
 public:
  // `retention_ms` 0 turns storing off: keep() drops everything.
  // `others_commit_within`: 0 when no other server writes to the store.
  OutputService(OutputStore& store, BatchWriter& writer, std::int64_t retention_ms,
                std::chrono::milliseconds others_commit_within = {});

  bool enabled() const override { return retention_ms_ > 0; }
  OutputSlot keep(StoredOutput output, std::optional<TaskRecord> task) override;

  // Blocking. The output with `id` if `account_id` owns it (and it has not expired).
  std::optional<StoredOutput> find(const std::string& id, const std::string& account_id);
  // Blocking. The output with `id` whoever owns it (an operator's view), unless expired.
  std::optional<StoredOutput> find_any_account(const std::string& id);
  // Blocking. False when the account has no output with that id.
  bool remove(const std::string& id, const std::string& account_id);

  std::int64_t retention_ms() const { return retention_ms_; }

 private:
  std::optional<StoredOutput> lookup(const std::string& id);

  OutputStore& store_;
  BatchWriter& writer_;
  std::int64_t retention_ms_;
  std::chrono::milliseconds others_commit_within_;
};

}  // namespace glmgate
