// Every admin endpoint says whom it is for, and the ones that change the gateway, another account
// or the console's people (accounts, credits, pause, routing, users) are operators' only: a
// member's console session reaches none of them.
#include <gtest/gtest.h>

#include <set>

#include "api/admin_routes.hpp"

namespace glmgate {
namespace {

TEST(AdminScope, OperatorsAloneCreateAccountsGrantCreditsPauseAndSeeRouting) {
  std::set<std::string> operator_only, scoped;
  for (const auto& r : AdminRoutes::routes())
    (r.scope == AdminScope::kOperator ? operator_only : scoped).insert(r.method + " " + r.path);
  EXPECT_EQ(operator_only,
            (std::set<std::string>{
                "GET accounts", "POST accounts", "POST accounts/{account}/credits", "POST pause",
                "POST resume", "GET routing", "GET routes", "GET usage/accounts", "POST users",
                "POST users/invitations", "POST users/{id}/reset", "POST users/{id}/disable",
                "POST users/{id}/enable", "POST users/{id}/sign-out"}));
  EXPECT_EQ(scoped, (std::set<std::string>{
                        "GET accounts/{account}", "GET accounts/{account}/credits",
                        "GET accounts/{account}/ledger", "GET keys", "POST keys",
                        "DELETE keys/{id}", "GET usage", "GET status", "GET users",
                        "GET usage/series", "GET requests", "GET models", "GET outputs/{id}"}));
}

}  // namespace
}  // namespace glmgate
