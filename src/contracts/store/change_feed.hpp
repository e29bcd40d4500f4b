// ChangeFeed: what changed in the store since a cursor, for a server to keep its memory (key
// cache, wallet, pause switch) in step with the other writers of the store: the CLI, the admin
// API, other server instances.
//
// What it reports: keys inserted or revoked; accounts created (with their balance as of the
// read); ledger rows that changed a balance, written by another origin than the reader's, except
// charges (a charge is made by a wallet, which holds it already; instances that share accounts
// share a wallet, not this feed); settings set.
// Exactly once, never skipped: a change is reported by the first read whose cursor is before its
// position and that runs after the change committed, and never again to a reader that passes
// back the cursor each read returned. This holds with any number of writers, whatever the order
// in which their transactions began: positions are commit-ordered, so no change can commit at a
// position a reader has already passed.
//   - SQLite serializes writers with its database lock; each writing transaction takes the next
//     position from a one-row counter under that lock.
//   - PostgreSQL (and any store with concurrent writers) must not take positions from a sequence:
//     nextval() is not commit-ordered (a transaction that drew 7 may commit after a reader saw 8
//     and moved past 7). It takes the counter row instead (UPDATE ... SET position = position + 1
//     RETURNING position) as the last statement before COMMIT: the row lock orders the writers of
//     changes, which are rare (keys, accounts, grants, settings; never the request path's
//     charges). A backend may instead hold the cursor at its oldest open transaction
//     (pg_snapshot_xmin) and carry what it delivered past that in the cursor: hence an opaque
//     cursor.
// Consistency: one read is one snapshot, so a new account's balance and the ledger rows after the
// cursor never count a row twice or miss one. A read from the first cursor (ChangeCursor{})
// reports every key, account and setting and no ledger row (every balance already includes them).
// Threading: blocks; safe from any thread and several processes. The server reads it every
// key_refresh_ms on its sync thread (accounts/StoreSync), never on an I/O thread.
// Errors: contracts/store/store_error.hpp; a failed read leaves the cursor where it was, and the
// same read may be tried again.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

// A position in the store's changes. Opaque to the reader, who passes back what the last read
// returned; the default is the beginning. Not meant to outlive the process that read it.
struct ChangeCursor {
  std::int64_t position = 0;
};

struct Setting {
  std::string name;
  std::string value;
};

struct Changes {
  std::vector<AccountRecord> accounts;  // created; balance is the one of the read
  std::vector<KeyRecord> keys;          // inserted or revoked, in the order they changed
  std::vector<LedgerEntry> ledger;      // other origins' balance changes, in their order
  std::vector<Setting> settings;        // their current values
  ChangeCursor cursor;                  // for the next read

  // The value of a setting this read reports, or null.
  const std::string* setting(std::string_view name) const {
    for (const auto& s : settings)
      if (s.name == name) return &s.value;
    return nullptr;
  }
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;

  // Everything changed after `cursor`; ledger rows written by `own_origin` are left out (the
  // reader applied them before it wrote them).
  virtual Changes changes_since(const ChangeCursor& cursor, std::string_view own_origin) = 0;

  // Push: true when wait_for_change() hears of other writers' changes as they commit (PostgreSQL:
  // LISTEN/NOTIFY), so the reader reads the feed at once instead of at its next poll. Polling stays
  // the fallback: a push lost with a connection costs at most one poll interval.
  virtual bool pushes() const { return false; }
  // Blocks up to `timeout` for a push; true when one came (several fold into one). Never throws: a
  // lost connection is made again at the next call, and meanwhile this waits out its timeout.
  // Called by one thread at a time.
  virtual bool wait_for_change(std::chrono::milliseconds timeout) { return false; }
};

}  // namespace glmgate
