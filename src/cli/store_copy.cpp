// `glmgate store copy --from URL --to URL`: moves an install from one store to another (a
// single-box SQLite file to PostgreSQL, or back): keys (revoked ones too), accounts, the ledger,
// usage records, outputs, tasks, settings and webhook secrets, every ID, time and balance kept
// (cli/store_transfer.hpp). Then it checks the copy: the rows of every kind counted alike, every
// account's balance the same and equal to its ledger sum on both sides; any difference is an
// error (exit 1).
//
// Nothing may write to either store meanwhile: a SQLite store is held with the server lock for
// the whole copy (a server already holding it is named, and the copy refused), and a PostgreSQL
// source with a live credit lease has servers running on it (refused too). The target must be
// empty: the copy says what it holds and how to start over. The target is migrated first. No
// output shows a password: stores are named by their URLs with it replaced by "***".
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "backends/store_factory.hpp"
#include "cli/commands.hpp"
#include "cli/store_transfer.hpp"
#include "core/clock.hpp"

namespace glmgate::cli {

namespace {

constexpr std::string_view kStartOver =
    "Copy into an empty store: a new SQLite file (sqlite:PATH), or an empty PostgreSQL database "
    "(dropdb and createdb) or schema (DROP SCHEMA ... CASCADE, then CREATE SCHEMA ...).";

// Opens one side of the copy, holding SQLite's server lock; nullptr after saying why not.
std::unique_ptr<Store> open_side(const std::string& url, std::string_view side) {
  try {
    return open_store(url, {.migrate = true, .serve = true});
  } catch (const StoreBusy& e) {
    std::cerr << "glmgate store copy: a glmgate server (pid " << e.holder << ") is serving the "
              << side << " store " << shown_store_url(url) << " (it holds " << e.lock
              << "). Stop it first: nothing may write to the store while it is copied.\n";
  } catch (const std::exception& e) {
    std::cerr << "glmgate store copy: cannot open the " << side << " store: " << e.what() << "\n";
  }
  return nullptr;
}

// A PostgreSQL store has no server lock; a server running on it holds live leases of credit.
std::optional<std::string> serving_instance(Store& store) {
  if (!store.serves_several()) return std::nullopt;
  const std::int64_t now = unix_ms_now();
  for (const auto& a : store.list_accounts())
    for (const auto& lease : store.leases(a.id))
      if (lease.expires_at > now) return lease.instance;
  return std::nullopt;
}

// Progress on standard error, at most a line a second.
CopyProgress progress_lines() {
  return
      [last = std::chrono::steady_clock::now()](std::string_view kind, std::int64_t rows) mutable {
        auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(1)) return;
        last = now;
        std::cerr << "  " << kind << ": " << rows << " copied\n";
      };
}

}  // namespace

int store_copy(const std::string& from_url, const std::string& to_url) {
  const std::string from_shown = shown_store_url(from_url);
  const std::string to_shown = shown_store_url(to_url);
  if (from_url == to_url) {
    std::cerr << "glmgate store copy: --from and --to name the same store\n";
    return 1;
  }
  auto from = open_side(from_url, "source");
  if (!from) return 1;
  if (auto instance = serving_instance(*from)) {
    std::cerr << "glmgate store copy: a glmgate server is running on the source store "
              << from_shown << " (instance " << *instance
              << " holds a live lease of credit). Stop every server on it first (a killed "
                 "server's leases lapse after lease_ttl_ms).\n";
    return 1;
  }
  auto to = open_side(to_url, "target");
  if (!to) return 1;
  const StoreCounts held = to->count_rows();
  if (!held.empty()) {
    std::cerr << "glmgate store copy: the target store " << to_shown << " is not empty: it holds "
              << describe_counts(held) << ". " << kStartOver << "\n";
    return 1;
  }

  const StoreCounts source = from->count_rows();
  std::cout << "copying " << describe_counts(source) << "\n  from " << from_shown << "\n  to   "
            << to_shown << " (schema version " << to->schema_version() << ")" << std::endl;
  try {
    copy_install(*from, *to, progress_lines());
  } catch (const std::exception& e) {
    std::cerr << "glmgate store copy: the copy failed: " << e.what()
              << "\nThe target holds part of the install now. " << kStartOver << "\n";
    return 1;
  }
  auto problems = check_copy(*from, *to);
  if (!problems.empty()) {
    std::cerr << "glmgate store copy: the copy differs from its source:\n";
    for (const auto& p : problems)
      std::cerr << "  " << p << "\n";
    std::cerr << "Was something writing to either store? " << kStartOver << "\n";
    return 1;
  }
  NanoUsd total = 0;
  for (const auto& a : to->list_accounts())
    total += a.balance;
  std::cout << "copied and checked: as many rows of every kind as in the source; "
            << source.accounts << (source.accounts == 1 ? " account" : " accounts")
            << " with the source's balances, each equal to its ledger sum (together "
            << format_usd(total) << " USD)" << std::endl;
  return 0;
}

}  // namespace glmgate::cli
