// Moving a whole install from one store to another (`glmgate store copy`, cli/store_copy.cpp),
// through the store contracts: accounts and keys read with list_accounts() and list_keys(), the
// ledger, usage records, outputs and tasks listed a page at a time (TransferStore), all of them
// written as they are (TransferStore::import_rows), so that every ID, time, running balance,
// revocation, task state and output expiry survives; settings and webhook secrets through their
// own contracts both ways. Then a check of the copy against its source.
//
// Neither function locks anything: the caller makes sure no server writes to either store
// meanwhile (cli/store_copy.cpp holds SQLite's server lock on both). Both block; errors are the
// stores' (contracts/store/store_error.hpp). A copy that fails part way leaves the rows written
// so far in the target (each page is one transaction of its own).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "contracts/store.hpp"

namespace glmgate {

// Told how many rows of a kind ("ledger rows") were copied so far, for a progress line.
using CopyProgress = std::function<void(std::string_view kind, std::int64_t rows)>;

// Copies every row of `from` into `to`, which should be empty.
void copy_install(Store& from, Store& to, const CopyProgress& progress = {});

// What differs between `from` and the copy `to`, one line each; empty for a faithful copy:
// the rows of every kind counted alike, every account with the same name, balance and spend,
// its balance equal to its ledger sum in both, every key alike (revocation, limits, account), the
// same settings.
std::vector<std::string> check_copy(Store& from, Store& to);

// "2 accounts, 3 keys (1 revoked), 10 ledger rows, ..." for messages; only the kinds it holds.
std::string describe_counts(const StoreCounts& counts);

}  // namespace glmgate
