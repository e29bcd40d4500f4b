// The rows of the batch commit's calls' statements (postgres_commit.cpp), and the lean statement
// it sends for the common batch: every record new and every charge kept by its call's row.
//
// The general statement (calls_sql in postgres_commit.cpp) derives in SQL, from the batch's
// arrays, each charge's running balance, each account's total, each lease's shrink and the
// rollups' sums: hash joins, a window over the charges, a sort, and a tuplestore per CTE. They
// were a third of PostgreSQL's CPU per call (perf of the backend under `bench/pg_ratio.py`). The
// lean statement gets all of those from this process, computed while the arrays are built, and
// leaves PostgreSQL to lock the batch's accounts, draw the ledger IDs in the batch's order and
// write the rows. It is only right when every record is new (it has no conflict check: a record
// already stored fails it on the usage_record index, and the commit then runs the general
// statement, which skips it) and every charge is its call's own (the others' ledger rows and IDs
// come after the rows' in the batch's order, which only the general statement draws).
//
// Plain functions of the batch; no I/O, any thread. The parameters own their bytes: the batch may
// go once they are built.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/postgres/postgres_params.hpp"
#include "contracts/store/batch_rows.hpp"

namespace glmgate {

// A usage row's columns (kPgUsageColumns) then the output it keeps
// (kPgUsageOutputInsertColumns): their types, in order.
std::vector<std::string_view> pg_call_row_types();
// Empty arrays for the kept output's columns.
std::vector<PgArray> pg_kept_arrays();
// What a call's row keeps of its output, or NULLs when `o` is null.
void append_kept_output(std::vector<PgArray>& kept, const UsageRecord& u, const StoredOutput* o);
// "u.a, u.b" of "a, b".
std::string pg_prefixed(std::string_view columns, std::string_view prefix);

// The lean statement, and its parameters for the calls [begin, end) of `batch` (`last`: the
// batch's charges of no call belong to this statement); nullopt when the lean statement cannot
// take them (a charge that is not its call's own, or charges of no call).
std::string pg_lean_calls_sql();
struct LeanCalls {
  PgParams params;
  std::size_t accounts = 0;  // how many accounts its charges name
};
std::optional<LeanCalls> pg_lean_calls_params(const WriteBatch& batch, const OutputPairing& outputs,
                                              std::size_t begin, std::size_t end, bool last);

}  // namespace glmgate
