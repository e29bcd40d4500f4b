// OutputStore: the generated outputs kept for retrieval by ID (GET /v1/responses/{id}, GET
// /v1/chat/completions/{id}, a task's result). They are written by the batch commit
// (contracts/store/batch_store.hpp); this is reading, deleting and expiring them.
//
// Threading: every call blocks and is safe from any thread; never on an I/O thread (the routes
// call it on the blocking pool, through outputs/OutputService).
// Visibility: an output is found once its batch committed. Reads return expired outputs too, until
// the sweep removes them: the caller compares expires_at with its clock.
// Idempotence: deleting a deleted output returns false; a sweep deletes each output once.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "contracts/records.hpp"

namespace glmgate {

class OutputStore {
 public:
  virtual ~OutputStore() = default;

  virtual std::optional<StoredOutput> find_output(const std::string& id) = 0;
  // False when no output of that account has the ID. The call's usage record stays.
  virtual bool delete_output(const std::string& id, const std::string& account_id) = 0;
  // Deletes up to about `limit` outputs that expired before `now_ms`, in one transaction; returns
  // how many it deleted (fewer than `limit`: nothing expired is left).
  virtual std::int64_t sweep_outputs(std::int64_t now_ms, std::int64_t limit) = 0;
};

}  // namespace glmgate
