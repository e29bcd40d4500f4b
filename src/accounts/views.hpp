// The JSON shapes of accounts, balances, ledger rows, keys, console users and usage, shared by the
// CLI's --json output and the admin API so both say the same thing. Money is given twice: as an
// exact decimal string of USD ("balance_usd": "10.500000000") and as integer nano-USD. Pure
// functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "accounts/account_service.hpp"
#include "contracts/records.hpp"
#include "contracts/store/user_store.hpp"

namespace glmgate::views {

boost::json::object account(const AccountRecord& account);
boost::json::object balance(const Balance& balance);
boost::json::object ledger_entry(const LedgerEntry& entry);
boost::json::object key(const KeyRecord& key);
// A console user: never the password's hash; `state` is invited, active or disabled.
boost::json::object user(const UserRecord& user);
boost::json::object usage(const UsageRecord& record);
boost::json::object usage_summary(const UsageSummary& summary);

// "2026-11-21", "2026-11-21T10:00:00Z", unix seconds, or an age like "90m", "24h", "7d": the start
// of a usage report, in unix milliseconds; nullopt when unreadable.
std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms);

// "model", "day", "model,day" or "day,model" into the query's grouping; false when unreadable.
bool parse_group_by(std::string_view text, UsageQuery& query);

}  // namespace glmgate::views
