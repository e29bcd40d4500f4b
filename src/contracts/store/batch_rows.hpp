// Which of a batch's charges and outputs a call's usage row keeps, for the backends that write a
// call as one row (SQLite's and PostgreSQL's batch commits): one row per request instead of three
// (the ledger row, the outputs row and their index entries were a third of the bytes and the
// larger part of the work a request cost a store). The rules are BatchStore's pairing
// (batch_store.hpp); what a row does not keep gets a row of its own, so readers take both kinds.
// Plain functions of the batch; no I/O, any thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "contracts/store/batch_store.hpp"

namespace glmgate {

// A background task's request ID. A task's charge stays a ledger row of its own, where its
// recovery after a restart looks for it (AccountStore::charges_for).
inline bool is_task_request(std::string_view request_id) {
  return request_id.substr(0, 5) == "task_";
}

// True when `charge` is the call's own (its account, its request ID, minus its cost), which the
// call's row then keeps: read back as a ledger row, its note is the model (and on SQLite it has
// no origin).
inline bool row_keeps(const UsageRecord& u, const LedgerEntry& charge) {
  return charge.request_id == u.request_id && charge.account_id == u.account_id &&
         charge.amount == -u.cost && !is_task_request(u.request_id);
}

// True when `o` is the output of the call `u` records, with the same account, key, surface,
// model, usage and cost, which the row then keeps once for both.
inline bool row_keeps(const UsageRecord& u, const StoredOutput& o) {
  const Usage &a = u.usage, &b = o.usage;
  return u.output_id == o.id && u.account_id == o.account_id && u.key_id == o.key_id &&
         u.surface == o.surface && u.model == o.model && u.cost == o.cost &&
         a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
         a.cached_tokens == b.cached_tokens && a.reasoning_tokens == b.reasoning_tokens &&
         a.estimated == b.estimated;
}

struct OutputPairing {
  std::vector<const StoredOutput*> kept;  // per call of the batch: the output its row keeps
  std::vector<const StoredOutput*> own;   // the outputs left, which get rows of their own
};

// Pairs each call with its output where the call names one (CallWrite::output) that is its own
// (the ID its record names, not taken by another call) and that its row can keep.
inline OutputPairing pair_outputs(const WriteBatch& batch) {
  OutputPairing out;
  out.kept.assign(batch.calls.size(), nullptr);
  std::vector<bool> taken(batch.outputs.size(), false);
  for (std::size_t r = 0; r < batch.calls.size(); ++r) {
    auto i = batch.calls[r].output;
    if (i < 0 || static_cast<std::size_t>(i) >= batch.outputs.size() || taken[i]) continue;
    const StoredOutput& o = batch.outputs[static_cast<std::size_t>(i)];
    if (!row_keeps(batch.calls[r].usage, o)) continue;
    out.kept[r] = &o;
    taken[i] = true;
  }
  for (std::size_t i = 0; i < batch.outputs.size(); ++i)
    if (!taken[i]) out.own.push_back(&batch.outputs[i]);
  return out;
}

}  // namespace glmgate
