// OutputService; see output_service.hpp.
#include "outputs/output_service.hpp"

#include <cstdlib>
#include <thread>

#include "accounts/batch_writer.hpp"
#include "core/random.hpp"

namespace glmgate {

OutputService::OutputService(OutputStore& store, BatchWriter& writer, std::int64_t retention_ms,
                             std::chrono::milliseconds others_commit_within)
    : store_(store),
      writer_(writer),
      retention_ms_(retention_ms),
      others_commit_within_(others_commit_within) {}

OutputSlot OutputService::keep(StoredOutput output, std::optional<TaskRecord> task) {
  if (!enabled() && !task) return {};
  if (enabled()) {
    if (output.created_at == 0) output.created_at = unix_ms_now();
    output.expires_at = output.created_at + retention_ms_;
  }
  // The output row and the task's end go in one writer batch, so they commit together.
  return writer_.keep(enabled() ? std::optional<StoredOutput>(std::move(output)) : std::nullopt,
                      std::move(task));
}

std::optional<StoredOutput> OutputService::find(const std::string& id,
                                                const std::string& account_id) {
  std::optional<StoredOutput> found = lookup(id);
  if (!found || found->account_id != account_id) return std::nullopt;
  return found;
}

std::optional<StoredOutput> OutputService::find_any_account(const std::string& id) {
  return lookup(id);
}

std::optional<StoredOutput> OutputService::lookup(const std::string& id) {
  std::optional<StoredOutput> found = store_.find_output(id);
  if (!found) {
    // It may still wait in the writer's queue: commit it now (cheap when the queue is empty).
    writer_.flush();
    found = store_.find_output(id);
  }
  if (!found && others_commit_within_.count() > 0) {
    // Another server may have made it moments ago: its writer commits within its interval.
    const auto made = output_id_second(id);
    const std::int64_t now = unix_ms_now();
    const std::int64_t window_ms = others_commit_within_.count() + 1'000;  // the second's width
    if (made && std::abs(now - *made * 1000) <= window_ms) {
      const auto until = std::chrono::steady_clock::now() + others_commit_within_;
      while (!found && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        found = store_.find_output(id);
      }
    }
  }
  if (!found) return std::nullopt;
  if (found->expires_at > 0 && found->expires_at < unix_ms_now()) return std::nullopt;
  return found;
}

bool OutputService::remove(const std::string& id, const std::string& account_id) {
  if (!find(id, account_id)) return false;
  writer_.flush();  // a row still queued must be on disk before it can be deleted
  return store_.delete_output(id, account_id);
}

}  // namespace glmgate
