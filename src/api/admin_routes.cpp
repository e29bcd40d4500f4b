// Admin API; see admin_routes.hpp. A handler authenticates on the I/O thread, then hands the
// request to the blocking pool, which parses it, calls the services and renders the response;
// the I/O thread only sends it. Errors use the OpenAI error shape, like the rest of /v1.
#include "api/admin_routes.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <variant>

#include "accounts/views.hpp"
#include "api/admin_io.hpp"
#include "api/admin_reports.hpp"
#include "contracts/store/store_error.hpp"
#include "surfaces/openai/openai_surface.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace admin_io;

namespace {

constexpr std::string_view kBase = "/admin/v1/";

}  // namespace

struct AdminRoutes::Impl {
  explicit Impl(AdminParts p) : parts(p), pool(2) {}
  ~Impl() { pool.join(); }

  AdminParts parts;
  std::deque<AdminMount> mounts;  // stay where they are: routes hold their addresses
  asio::thread_pool pool;

  using Endpoint = HttpResponse (Impl::*)(const HttpRequest& request, const Caller& caller);

  // Runs on the pool.
  HttpResponse handle(const HttpRequest& request, const Caller& caller, Endpoint endpoint,
                      AdminScope scope) {
    try {
      // An operator's endpoint is not there for a member: the same 404 as an unknown path.
      if (scope == AdminScope::kOperator && !caller.is_operator) return unknown(request, caller);
      return (this->*endpoint)(request, caller);
    } catch (const ServiceError& e) {
      ApiError err{e.status,
                   "invalid_request_error",
                   e.status == 404 ? "not_found" : "invalid_request",
                   e.what(),
                   {}};
      return error_response(err);
    } catch (const StoreUnavailable&) {
      // The store is away (a PostgreSQL restart): the caller may try again, as a 503 says.
      return error_response(ApiError::unavailable(
          "The gateway's store cannot be reached right now; try again shortly."));
    } catch (const std::exception& e) {
      return error_response(ApiError::internal(std::string("admin request failed: ") + e.what()));
    }
  }

  HttpResponse list_accounts(const HttpRequest&, const Caller&) {
    json::array data;
    for (const auto& a : parts.accounts.accounts())
      data.push_back(views::account(a));
    return json_response(200, list(std::move(data)));
  }

  HttpResponse create_account(const HttpRequest& request, const Caller&) {
    auto body = body_object(request);
    auto a = parts.accounts.create_account(string_field(body, "name", true));
    parts.sync.sync_now();
    return json_response(201, views::account(a));
  }

  // GET /accounts/{id} and GET /accounts/{id}/credits.
  HttpResponse balance(const HttpRequest& request, const Caller& caller) {
    return json_response(200, views::balance(parts.accounts.balance(account_id(request, caller))));
  }

  HttpResponse add_credits(const HttpRequest& request, const Caller& caller) {
    auto body = body_object(request);
    NanoUsd amount = amount_field(body);
    std::string kind = string_field(body, "kind");
    std::string note = string_field(body, "note");
    const std::string id = account_id(request, caller);
    LedgerEntry e = kind == "adjustment" ? parts.accounts.adjust(id, amount, note)
                    : kind.empty() || kind == "grant"
                        ? parts.accounts.grant(id, amount, note)
                        : throw ServiceError(400, "`kind` is \"grant\" or \"adjustment\"");
    parts.sync.sync_now();
    return json_response(201, views::ledger_entry(e));
  }

  // Paged (grants, adjustments and refunds) when asked with `limit` or `before`, as the console
  // does; else the whole ledger with every charge, as before.
  HttpResponse ledger(const HttpRequest& request, const Caller& caller) {
    const auto params = query_params(request);
    if (!param(params, "limit").empty() || !param(params, "before").empty())
      return admin_reports::ledger_page(parts.accounts, request,
                                        parts.accounts.account(account_id(request, caller)).id);
    json::array data;
    for (const auto& e : parts.accounts.ledger(account_id(request, caller)))
      data.push_back(views::ledger_entry(e));
    return json_response(200, list(std::move(data)));
  }

  // Every key, or with `limit` (and `after`, the last ID of the page before) a page by ID with
  // `next_after`, as the console's operator asks.
  HttpResponse list_keys(const HttpRequest& request, const Caller& caller) {
    const auto params = query_params(request);
    std::string account = param(params, "account");
    if (!caller.is_operator) account = caller.account_id;  // a member sees their account's
    const std::optional<std::string> scope =
        account.empty() ? std::nullopt : std::optional<std::string>(account);
    if (!param(params, "limit").empty())
      return admin_reports::key_page(parts.key_service, request, scope);
    json::array data;
    auto keys = parts.key_service.list(scope);
    for (const auto& k : keys)
      if (k.session_id.empty()) data.push_back(views::key(k));  // chat keys live in the console
    return json_response(200, list(std::move(data)));
  }

  HttpResponse create_key(const HttpRequest& request, const Caller& caller) {
    auto body = body_object(request);
    KeyOptions o;
    o.account = string_field(body, "account");
    o.name = string_field(body, "name");
    o.rpm = int_field(body, "rpm");
    o.tpm = int_field(body, "tpm");
    o.max_concurrency = int_field(body, "max_concurrency");
    if (auto it = body.find("admin"); it != body.end() && it->value().is_bool())
      o.admin = it->value().get_bool();
    if (!caller.is_operator) {
      // A member's keys bill their own account, and may only be slower than the default: a
      // key's own rpm overrides the tiers, which the operator sets.
      if (o.admin || o.tpm != 0 || o.max_concurrency != 0)
        throw ServiceError(400, "an account member may give a key a name and an rpm only");
      if (o.rpm != 0 && parts.member_max_rpm == 0)
        throw ServiceError(400, "this gateway's operator sets the keys' rates: leave `rpm` out");
      if (o.rpm > parts.member_max_rpm)
        throw ServiceError(400, "`rpm` may be at most " + std::to_string(parts.member_max_rpm) +
                                    " (the default); an operator can raise it");
      o.account = caller.account_id;
    }
    auto key = parts.key_service.create(o);
    parts.sync.sync_now();
    json::object out = views::key(key.record);
    out["key"] = key.secret;
    return json_response(201, out);
  }

  HttpResponse revoke_key(const HttpRequest& request, const Caller& caller) {
    std::string id(request.param("id"));
    if (!caller.is_operator) {
      auto keys = parts.key_service.list(caller.account_id);
      if (std::none_of(keys.begin(), keys.end(),
                       [&id](const KeyRecord& k) { return k.id == id && k.session_id.empty(); }))
        throw ServiceError(404, "no key has the id \"" + id + "\"");
    }
    parts.key_service.revoke(id);
    parts.sync.sync_now();
    return json_response(200, json::object{{"id", id}, {"state", "revoked"}});
  }

  UserService& user_service(const HttpRequest& request, const Caller& caller) {
    if (!parts.users) unknown(request, caller);
    return *parts.users;
  }

  // A user made or reset, with the link that sets their password (shown once).
  HttpResponse with_link(const UserWithLink& made) {
    json::object out = views::user(made.user);
    out["link"] = parts.console_base + "/#/set-password/" + made.token;
    out["link_expires_at"] = made.expires_at / 1000;
    return json_response(201, out);
  }

  // GET /users: a member sees their account's people (read-only), an operator anyone's.
  HttpResponse list_users(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    std::string account = param(query_params(request), "account");
    if (!caller.is_operator) account = caller.account_id;
    json::array data;
    for (const auto& u : users.list(account.empty() ? std::nullopt : std::optional(account)))
      data.push_back(views::user(u));
    return json_response(200, list(std::move(data)));
  }

  HttpResponse invite_user(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    auto body = body_object(request);
    const std::string by = caller.user_id.empty() ? "admin-api" : caller.user_id;
    return with_link(
        users.invite(string_field(body, "account", true), string_field(body, "email", true), by));
  }

  HttpResponse create_operator(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    auto body = body_object(request);
    if (string_field(body, "role", true) != user_role::kOperator)
      throw ServiceError(400,
                         "`role` is \"operator\" (members are invited: POST users/invitations)");
    const std::string by = caller.user_id.empty() ? "admin-api" : caller.user_id;
    return with_link(users.create_operator(string_field(body, "email", true), by));
  }

  HttpResponse reset_user(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    return with_link(users.reset_link(users.user(std::string(request.param("id"))).email));
  }

  HttpResponse disable_user(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    return json_response(200,
                         views::user(users.set_disabled(std::string(request.param("id")), true)));
  }

  HttpResponse enable_user(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    return json_response(200,
                         views::user(users.set_disabled(std::string(request.param("id")), false)));
  }

  HttpResponse sign_out_user(const HttpRequest& request, const Caller& caller) {
    UserService& users = user_service(request, caller);
    const UserRecord u = users.user(std::string(request.param("id")));
    return json_response(
        200, json::object{{"id", u.id}, {"sessions_ended", users.end_all_sessions(u.id)}});
  }

  HttpResponse pause(const HttpRequest&, const Caller&) { return set_paused(true); }
  HttpResponse resume(const HttpRequest&, const Caller&) { return set_paused(false); }
  HttpResponse set_paused(bool paused) {
    parts.accounts.set_paused(paused);
    parts.sync.sync_now();
    return json_response(200, json::object{{"paused", paused}});
  }

  HttpResponse status(const HttpRequest&, const Caller&) {
    return json_response(200, json::object{{"paused", parts.accounts.paused()}});
  }

  // The table below, for tools and the test that calls each route with another account's session.
  HttpResponse routes(const HttpRequest&, const Caller&) {
    json::array data;
    for (const auto& r : AdminRoutes::routes())
      data.push_back(
          json::object{{"method", r.method},
                       {"path", r.path},
                       {"scope", r.scope == AdminScope::kOperator ? "operator" : "account"}});
    return json_response(200, json::object{{"data", std::move(data)}});
  }

  HttpResponse routing(const HttpRequest& request, const Caller& caller) {
    if (!parts.status) return unknown(request, caller);
    return json_response(200, parts.status->detail());
  }

  // The account a report is about: the member's own, else the operator's ?account= (an ID or a
  // name; empty: every account).
  std::string report_account(const HttpRequest& request, const Caller& caller) {
    if (!caller.is_operator) return caller.account_id;
    std::string named = param(query_params(request), "account");
    return named.empty() ? named : parts.accounts.account(named).id;
  }

  HttpResponse usage_series(const HttpRequest& request, const Caller& caller) {
    return admin_reports::usage_series(parts.accounts, request, report_account(request, caller));
  }

  HttpResponse usage_by_account(const HttpRequest& request, const Caller&) {
    return admin_reports::usage_by_account(parts.accounts, request);
  }

  HttpResponse requests(const HttpRequest& request, const Caller& caller) {
    return admin_reports::requests(parts.accounts, request, report_account(request, caller));
  }

  HttpResponse models(const HttpRequest& request, const Caller& caller) {
    if (!parts.catalog) return unknown(request, caller);
    return admin_reports::models(*parts.catalog, parts.status, caller.is_operator);
  }

  HttpResponse output(const HttpRequest& request, const Caller& caller) {
    if (!parts.outputs) return unknown(request, caller);
    return admin_reports::output(*parts.outputs, std::string(request.param("id")),
                                 caller.is_operator ? "" : caller.account_id);
  }

  // Any other path under /admin/v1/, once the key is known to be an admin's.
  HttpResponse unknown(const HttpRequest& request, const Caller&) {
    throw ServiceError(404, "no admin endpoint " + request.method + " " + request.path);
  }

  // The {account} of the path (an ID or a name; "me" for a member's own). A member naming
  // another account gets the 404 an unknown one gets.
  std::string account_id(const HttpRequest& request, const Caller& caller) {
    std::string named(request.param("account"));
    if (caller.is_operator) return named;
    if (named == "me") return caller.account_id;
    std::optional<AccountRecord> a;
    try {
      a = parts.accounts.account(named);
    } catch (const ServiceError&) {
    }
    if (!a || a->id != caller.account_id)
      throw ServiceError(404, "no account is named or has the id \"" + named + "\"");
    return a->id;
  }

  HttpResponse usage(const HttpRequest& request, const Caller& caller) {
    UsageQuery q;
    auto params = query_params(request);
    if (auto a = param(params, "account"); !a.empty()) q.account_id = a;
    if (!caller.is_operator) q.account_id = caller.account_id;
    if (auto s = param(params, "since"); !s.empty()) {
      q.since_ms = views::parse_since(s, now_ms());
      if (!q.since_ms) throw ServiceError(400, "`since` is a date, a unix time or an age like 24h");
    }
    if (auto l = param(params, "limit"); !l.empty()) {
      try {
        q.limit = std::clamp<std::int64_t>(std::stoll(l), 1, 100'000);
      } catch (...) {
        throw ServiceError(400, "`limit` must be a number");
      }
    }
    json::array data;
    if (auto g = param(params, "group_by"); !g.empty()) {
      if (!views::parse_group_by(g, q))
        throw ServiceError(400, "`group_by` is model, day or model,day");
      for (const auto& s : parts.accounts.usage_summary(q))
        data.push_back(views::usage_summary(s));
    } else {
      for (const auto& u : parts.accounts.usage(q))
        data.push_back(views::usage(u));
    }
    return json_response(200, list(std::move(data)));
  }

  // The admin key's check: nothing when the request has one, else the 401 or 403 to answer. A
  // plain function: as a coroutine returning bool, GCC 12 built one that crashed in its frame.
  std::optional<HttpResponse> refusal(const Exchange& ex) const {
    std::string secret = openai::bearer_token(ex.request().header("authorization"));
    if (secret.empty()) secret = std::string(ex.request().header("x-api-key"));
    auto key = parts.keys.find(secret);
    if (key && key->admin) return std::nullopt;
    ApiError e = key ? ApiError{403,
                                "permission_error",
                                "admin_key_required",
                                "This endpoint needs an admin key.",
                                {}}
                     : ApiError::invalid_api_key("The admin API needs an admin key.");
    return error_response(e);
  }

  // Rendered on the I/O thread: formatting a few hundred series takes no lock for long.
  asio::awaitable<void> metrics(Exchange& ex) {
    std::optional<HttpResponse> refused = refusal(ex);
    HttpResponse r = refused ? std::move(*refused) : metrics_response(*parts.metrics);
    co_await ex.respond(std::move(r));
  }

  asio::awaitable<void> serve(Exchange& ex, Endpoint endpoint, AdminScope scope) {
    if (std::optional<HttpResponse> refused = refusal(ex)) {
      HttpResponse r = std::move(*refused);
      co_await ex.respond(std::move(r));
      co_return;
    }
    const HttpRequest& request = ex.request();
    auto work = [this, &request, endpoint, scope]() -> asio::awaitable<HttpResponse> {
      co_return handle(request, Caller{}, endpoint, scope);
    };
    HttpResponse response = co_await asio::co_spawn(pool, work, asio::use_awaitable);
    co_await ex.respond(std::move(response));
  }

  // The other mount: `mount.authenticate` names the caller on the pool (it may read the store)
  // or answers for itself; `mount.headers` go on every answer.
  asio::awaitable<void> serve_mounted(Exchange& ex, const AdminMount& mount, Endpoint endpoint,
                                      AdminScope scope) {
    const HttpRequest& request = ex.request();
    const std::string remote = ex.remote_address();
    auto work = [this, &request, &remote, &mount, endpoint,
                 scope]() -> asio::awaitable<HttpResponse> {
      std::variant<Caller, HttpResponse> who = mount.authenticate(request, remote);
      HttpResponse r = std::holds_alternative<HttpResponse>(who)
                           ? std::move(std::get<HttpResponse>(who))
                           : handle(request, std::get<Caller>(who), endpoint, scope);
      for (const auto& h : mount.headers)
        r.headers.push_back(h);
      co_return r;
    };
    HttpResponse response = co_await asio::co_spawn(pool, work, asio::use_awaitable);
    co_await ex.respond(std::move(response));
  }
};

HttpResponse metrics_response(const metrics::Registry& registry) {
  HttpResponse r{200, metrics::kContentType, {}, registry.render()};
  r.headers.push_back({"cache-control", "no-store"});
  return r;
}

AdminRoutes::AdminRoutes(AdminParts parts) : impl_(std::make_unique<Impl>(parts)) {}
AdminRoutes::~AdminRoutes() = default;

namespace {

using I = AdminRoutes::Impl;
struct Route {
  const char* method;
  std::string_view path;  // under the mount's base
  I::Endpoint endpoint;
  AdminScope scope;
};

}  // namespace

// Every admin endpoint, with whom it is for (admin_scope_test.cpp checks each has one).
static const Route kRoutes[] = {
    {"GET", "accounts", &I::list_accounts, AdminScope::kOperator},
    {"POST", "accounts", &I::create_account, AdminScope::kOperator},
    {"GET", "accounts/{account}", &I::balance, AdminScope::kAccount},
    {"GET", "accounts/{account}/credits", &I::balance, AdminScope::kAccount},
    {"POST", "accounts/{account}/credits", &I::add_credits, AdminScope::kOperator},
    {"GET", "accounts/{account}/ledger", &I::ledger, AdminScope::kAccount},
    {"GET", "keys", &I::list_keys, AdminScope::kAccount},
    {"POST", "keys", &I::create_key, AdminScope::kAccount},
    {"DELETE", "keys/{id}", &I::revoke_key, AdminScope::kAccount},
    {"GET", "usage", &I::usage, AdminScope::kAccount},
    {"GET", "usage/series", &I::usage_series, AdminScope::kAccount},
    {"GET", "usage/accounts", &I::usage_by_account, AdminScope::kOperator},
    {"GET", "requests", &I::requests, AdminScope::kAccount},
    {"GET", "models", &I::models, AdminScope::kAccount},
    {"GET", "outputs/{id}", &I::output, AdminScope::kAccount},
    {"GET", "users", &I::list_users, AdminScope::kAccount},
    {"POST", "users", &I::create_operator, AdminScope::kOperator},
    {"POST", "users/invitations", &I::invite_user, AdminScope::kOperator},
    {"POST", "users/{id}/reset", &I::reset_user, AdminScope::kOperator},
    {"POST", "users/{id}/disable", &I::disable_user, AdminScope::kOperator},
    {"POST", "users/{id}/enable", &I::enable_user, AdminScope::kOperator},
    {"POST", "users/{id}/sign-out", &I::sign_out_user, AdminScope::kOperator},
    {"POST", "pause", &I::pause, AdminScope::kOperator},
    {"POST", "resume", &I::resume, AdminScope::kOperator},
    {"GET", "status", &I::status, AdminScope::kAccount},
    {"GET", "routing", &I::routing, AdminScope::kOperator},
    {"GET", "routes", &I::routes, AdminScope::kOperator},
};

void AdminRoutes::set_console_base(std::string base) {
  impl_->parts.console_base = std::move(base);
}

std::vector<AdminRouteInfo> AdminRoutes::routes() {
  std::vector<AdminRouteInfo> out;
  for (const Route& r : kRoutes)
    out.push_back({r.method, std::string(r.path), r.scope});
  return out;
}

void AdminRoutes::register_on(Router& router) {
  Impl* impl = impl_.get();
  for (const Route& r : kRoutes) {
    I::Endpoint endpoint = r.endpoint;
    AdminScope scope = r.scope;
    router.add(r.method, std::string(kBase) + std::string(r.path),
               [impl, endpoint, scope](Exchange& ex) { return impl->serve(ex, endpoint, scope); });
  }
  if (impl->parts.metrics)
    router.add("GET", "/metrics", [impl](Exchange& ex) { return impl->metrics(ex); });
  // Anything else under /admin/v1/ is a 404 in the admin API's own words, after the key check.
  for (const char* method : {"GET", "POST", "DELETE"})
    router.add(method, std::string(kBase) + "{path...}",
               [impl](Exchange& ex) { return impl->serve(ex, &I::unknown, AdminScope::kAccount); });
}

void AdminRoutes::mount_on(Router& router, const std::string& base, AdminMount mount) {
  Impl* impl = impl_.get();
  const AdminMount* m = &impl->mounts.emplace_back(std::move(mount));
  for (const Route& r : kRoutes) {
    I::Endpoint endpoint = r.endpoint;
    AdminScope scope = r.scope;
    router.add(r.method, base + std::string(r.path), [impl, m, endpoint, scope](Exchange& ex) {
      return impl->serve_mounted(ex, *m, endpoint, scope);
    });
  }
  for (const char* method : {"GET", "POST", "DELETE"})
    router.add(method, base + "{path...}", [impl, m](Exchange& ex) {
      return impl->serve_mounted(ex, *m, &I::unknown, AdminScope::kAccount);
    });
}

}  // namespace glmgate
