// Copying an install and checking the copy; see store_transfer.hpp.
#include "cli/store_transfer.hpp"

#include <map>
#include <tuple>

#include "core/money.hpp"

namespace glmgate {

namespace {

// Rows per import transaction: a few MB of ledger or usage rows, and of outputs and tasks,
// which carry whole answers and requests, fewer.
constexpr std::int64_t kRowsPerPage = 5'000;
constexpr std::int64_t kBodiesPerPage = 200;

// Writes `rows` into `to`'s `field` a page at a time.
template <class Row>
void import_all(Store& to, const std::vector<Row>& rows, std::vector<Row> ImportBatch::*field) {
  for (std::size_t first = 0; first < rows.size(); first += kRowsPerPage) {
    ImportBatch batch;
    auto begin = rows.begin() + static_cast<std::ptrdiff_t>(first);
    auto end = rows.size() - first > static_cast<std::size_t>(kRowsPerPage) ? begin + kRowsPerPage
                                                                            : rows.end();
    (batch.*field).assign(begin, end);
    to.import_rows(batch);
  }
}

// Lists every row with `list` a page of `limit` at a time, writing each page into `field` of
// one import; returns how many.
template <class List, class Row>
std::int64_t copy_pages(Store& to, List list, std::int64_t limit,
                        std::vector<Row> ImportBatch::*field, std::string_view kind,
                        const CopyProgress& progress) {
  ExportCursor cursor;
  std::int64_t copied = 0;
  while (!cursor.done) {
    auto page = list(cursor, limit);
    if (!page.rows.empty()) {
      copied += static_cast<std::int64_t>(page.rows.size());
      ImportBatch batch;
      batch.*field = std::move(page.rows);
      to.import_rows(batch);
      if (progress) progress(kind, copied);
    }
    cursor = std::move(page.next);
  }
  return copied;
}

struct Kind {
  std::string_view name;
  std::int64_t StoreCounts::*count;
};
constexpr Kind kKinds[] = {
    {"accounts", &StoreCounts::accounts},
    {"keys", &StoreCounts::keys},
    {"revoked keys", &StoreCounts::revoked_keys},
    {"ledger rows", &StoreCounts::ledger},
    {"usage records", &StoreCounts::usage},
    {"outputs", &StoreCounts::outputs},
    {"tasks", &StoreCounts::tasks},
    {"settings", &StoreCounts::settings},
    {"webhook secrets", &StoreCounts::webhook_secrets},
};

auto key_fields(const KeyRecord& k) {
  return std::tie(k.name, k.prefix, k.hash, k.revoked, k.admin, k.account_id, k.rpm, k.tpm,
                  k.max_concurrency, k.created_at, k.expires_at_ms, k.session_id, k.user_id);
}

auto user_fields(const UserRecord& u) {
  return std::tie(u.email, u.role, u.account_id, u.password_hash, u.disabled, u.created_by,
                  u.created_at);
}

std::map<std::string, NanoUsd> sums_by_account(Store& store) {
  std::map<std::string, NanoUsd> out;
  for (const auto& s : store.ledger_sums())
    out[s.account_id] = s.sum;
  return out;
}

std::string usd(NanoUsd amount) {
  return format_usd(amount) + " USD";
}

}  // namespace

void copy_install(Store& from, Store& to, const CopyProgress& progress) {
  auto told = [&progress](std::string_view kind, std::size_t rows) {
    if (progress) progress(kind, static_cast<std::int64_t>(rows));
  };
  // Accounts and keys whole, as their contracts list them (a server holds them all in memory).
  std::vector<AccountRecord> accounts = from.list_accounts();
  import_all(to, accounts, &ImportBatch::accounts);
  told("accounts", accounts.size());
  std::vector<KeyRecord> keys = from.list_keys(std::nullopt);
  import_all(to, keys, &ImportBatch::keys);
  told("keys", keys.size());
  copy_pages(
      to, [&from](const ExportCursor& c, std::int64_t n) { return from.export_ledger(c, n); },
      kRowsPerPage, &ImportBatch::ledger, "ledger rows", progress);
  copy_pages(
      to, [&from](const ExportCursor& c, std::int64_t n) { return from.export_usage(c, n); },
      kRowsPerPage, &ImportBatch::usage, "usage records", progress);
  copy_pages(
      to, [&from](const ExportCursor& c, std::int64_t n) { return from.export_outputs(c, n); },
      kBodiesPerPage, &ImportBatch::outputs, "outputs", progress);
  copy_pages(
      to, [&from](const ExportCursor& c, std::int64_t n) { return from.export_tasks(c, n); },
      kBodiesPerPage, &ImportBatch::tasks, "tasks", progress);
  std::vector<Setting> settings = from.export_settings();
  for (const auto& s : settings)
    to.set_setting(s.name, s.value);
  told("settings", settings.size());
  std::size_t secrets = 0;
  for (const auto& a : accounts) {
    std::string secret = from.webhook_secret(a.id);
    if (secret.empty()) continue;
    to.set_webhook_secret(a.id, secret);
    ++secrets;
  }
  told("webhook secrets", secrets);
  // The console's people with their password hashes: they sign in to the target as before.
  // Sessions and unused one-time links stay behind (sign in again; send a new link).
  std::vector<UserRecord> users = from.list_users(std::nullopt);
  for (const auto& u : users)
    to.insert_user(u);
  told("console users", users.size());
}

std::vector<std::string> check_copy(Store& from, Store& to) {
  std::vector<std::string> problems;
  const StoreCounts source = from.count_rows();
  const StoreCounts target = to.count_rows();
  for (const Kind& kind : kKinds)
    if (source.*kind.count != target.*kind.count)
      problems.push_back(std::string(kind.name) + ": " + std::to_string(source.*kind.count) +
                         " in the source, " + std::to_string(target.*kind.count) +
                         " in the target");

  std::map<std::string, AccountRecord> copied;
  for (auto& a : to.list_accounts())
    copied[a.id] = std::move(a);
  const auto source_sums = sums_by_account(from);
  const auto target_sums = sums_by_account(to);
  auto sum_of = [](const std::map<std::string, NanoUsd>& sums, const std::string& id) {
    auto it = sums.find(id);
    return it == sums.end() ? NanoUsd{0} : it->second;
  };
  for (const auto& a : from.list_accounts()) {
    const std::string name = "account " + a.name + " (" + a.id + ")";
    if (a.balance != sum_of(source_sums, a.id))
      problems.push_back(name + ": in the source its balance " + usd(a.balance) +
                         " is not its ledger sum " + usd(sum_of(source_sums, a.id)));
    auto it = copied.find(a.id);
    if (it == copied.end()) {
      problems.push_back(name + ": not in the target");
      continue;
    }
    const AccountRecord& c = it->second;
    if (c.name != a.name) problems.push_back(name + ": named \"" + c.name + "\" in the target");
    if (c.balance != a.balance)
      problems.push_back(name + ": balance " + usd(a.balance) + " in the source, " +
                         usd(c.balance) + " in the target");
    if (c.balance != sum_of(target_sums, a.id))
      problems.push_back(name + ": in the target its balance " + usd(c.balance) +
                         " is not its ledger sum " + usd(sum_of(target_sums, a.id)));
    if (c.spent != a.spent)
      problems.push_back(name + ": spent " + usd(a.spent) + " in the source, " + usd(c.spent) +
                         " in the target");
  }

  std::map<std::string, KeyRecord> keys;
  for (auto& k : to.list_keys(std::nullopt))
    keys[k.id] = std::move(k);
  for (const auto& k : from.list_keys(std::nullopt)) {
    auto it = keys.find(k.id);
    if (it == keys.end())
      problems.push_back("key " + k.id + ": not in the target");
    else if (key_fields(it->second) != key_fields(k))
      problems.push_back("key " + k.id + ": differs in the target" +
                         (it->second.revoked != k.revoked ? " (revocation)" : ""));
  }

  std::map<std::string, UserRecord> users;
  for (auto& u : to.list_users(std::nullopt))
    users[u.id] = std::move(u);
  for (const auto& u : from.list_users(std::nullopt)) {
    auto it = users.find(u.id);
    if (it == users.end())
      problems.push_back("console user " + u.email + ": not in the target");
    else if (user_fields(it->second) != user_fields(u))
      problems.push_back("console user " + u.email + ": differs in the target");
  }

  auto settings = from.export_settings();
  auto copied_settings = to.export_settings();
  auto setting_fields = [](const Setting& s) { return std::tie(s.name, s.value); };
  bool same_settings = settings.size() == copied_settings.size();
  for (std::size_t i = 0; same_settings && i < settings.size(); ++i)
    same_settings = setting_fields(settings[i]) == setting_fields(copied_settings[i]);
  if (!same_settings) problems.push_back("settings: the target's differ from the source's");
  return problems;
}

std::string describe_counts(const StoreCounts& counts) {
  std::string out;
  for (const Kind& kind : kKinds) {
    const std::int64_t n = counts.*kind.count;
    if (n == 0) continue;
    if (kind.count == &StoreCounts::revoked_keys) {
      out += " (" + std::to_string(n) + " revoked)";
      continue;
    }
    std::string_view name = kind.name;
    if (n == 1) name.remove_suffix(1);  // every name is a plural in -s
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(name);
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace glmgate
