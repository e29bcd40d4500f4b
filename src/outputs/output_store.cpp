// OutputStore; see output_store.hpp.
#include "outputs/output_store.hpp"

#include <chrono>

#include "accounts/batch_writer.hpp"

namespace glmgate {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OutputStore::OutputStore(Store& store, BatchWriter& writer, std::int64_t retention_ms)
    : store_(store), writer_(writer), retention_ms_(retention_ms) {}

void OutputStore::keep(StoredOutput output, std::optional<TaskRecord> task) {
  if (!enabled() && !task) return;
  if (enabled()) {
    if (output.created_at == 0) output.created_at = unix_ms_now();
    output.expires_at = output.created_at + retention_ms_;
    std::lock_guard lock(mutex_);
    pending_[output.id] = output;
  }
  // The output row and the task's end go in one writer batch, so they commit together.
  writer_.keep(enabled() ? std::optional<StoredOutput>(std::move(output)) : std::nullopt,
               std::move(task));
}

void OutputStore::committed(const WriteBatch& batch) {
  if (batch.outputs.empty()) return;
  std::lock_guard lock(mutex_);
  for (const auto& o : batch.outputs)
    pending_.erase(o.id);
}

std::optional<StoredOutput> OutputStore::find(const std::string& id,
                                              const std::string& account_id) {
  std::optional<StoredOutput> found;
  {
    std::lock_guard lock(mutex_);
    if (auto it = pending_.find(id); it != pending_.end()) found = it->second;
  }
  // Missing from the map means committed (the writer erases after its commit) or unknown.
  if (!found) found = store_.find_output(id);
  if (!found || found->account_id != account_id) return std::nullopt;
  if (found->expires_at > 0 && found->expires_at < unix_ms_now()) return std::nullopt;
  return found;
}

bool OutputStore::remove(const std::string& id, const std::string& account_id) {
  if (!find(id, account_id)) return false;
  writer_.flush();  // a row still queued must be on disk before it can be deleted
  return store_.delete_output(id, account_id);
}

}  // namespace glmgate
