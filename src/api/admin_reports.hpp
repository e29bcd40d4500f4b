// The admin API's report endpoints, for the console's charts and logs: usage series and totals
// from the rollups, the request log by keyset, the ledger by page, the model catalog with its
// prices and state, and a stored output by ID. Each runs on the admin pool (it reads the store)
// and throws ServiceError for what it refuses (a 400 for a bad parameter, a 404 for what the
// caller may not see), as the admin routes expect. Pure functions over the services passed in.
#pragma once

#include <string>

#include "accounts/account_service.hpp"
#include "accounts/key_service.hpp"
#include "api/admin_routes.hpp"
#include "gateway/catalog.hpp"
#include "gateway/model_status.hpp"
#include "outputs/output_service.hpp"

namespace glmgate::admin_reports {

// GET usage/series?since=&until=&bucket=hour|day[&account=]: rollup rows by bucket and model.
// `account_id`: the member's account, else the operator's ?account= (empty: all accounts).
HttpResponse usage_series(AccountService& accounts, const HttpRequest& request,
                          const std::string& account_id);
// GET usage/accounts?since=&until=&limit=: each account's totals, by cost.
HttpResponse usage_by_account(AccountService& accounts, const HttpRequest& request);
// GET requests?model=&surface=&status=ok|error&key=&since=&cursor=&limit=[&account=].
HttpResponse requests(AccountService& accounts, const HttpRequest& request,
                      const std::string& account_id);
// GET accounts/{account}/ledger?before=&limit=: grants, adjustments and refunds, newest first.
HttpResponse ledger_page(AccountService& accounts, const HttpRequest& request,
                         const std::string& account_id);
// GET models: the catalog with prices, limits and each model's state now; `where` adds where
// each model runs (provider, upstream model, deployments, routing), for operators.
HttpResponse models(const Catalog& catalog, const ModelStatus* status, bool where);
// GET keys?limit=&after=[&account=]: a page of keys by ID with `next_after`; `account`: the
// member's, or the operator's ?account= (none: all).
HttpResponse key_page(KeyService& keys, const HttpRequest& request,
                      const std::optional<std::string>& account);
// GET outputs/{id}: `account_id` empty for an operator (any account's).
HttpResponse output(OutputService& outputs, const std::string& id, const std::string& account_id);

}  // namespace glmgate::admin_reports
