// The console's own API; see console_routes.hpp.
#include "console/console_routes.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <variant>

#include "console/client_address.hpp"
#include "console/cookies.hpp"
#include "console/csrf.hpp"
#include "console/sign_in_limiter.hpp"
#include "console/static_routes.hpp"
#include "contracts/store/store_error.hpp"
#include "core/api_error.hpp"
#include "core/clock.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kBase = "/console/api/";

HttpResponse json_response(int status, const json::value& body) {
  HttpResponse r{status, "application/json", {}, json::serialize(body)};
  for (const auto& h : console_security_headers())
    r.headers.push_back(h);
  r.headers.push_back({"cache-control", "no-store"});
  return r;
}

HttpResponse error(int status, std::string_view code, std::string_view message) {
  return json_response(status,
                       json::object{{"error", json::object{{"message", message}, {"code", code}}}});
}

std::string_view code_of(int status) {
  switch (status) {
    case 400:
      return "invalid_request";
    case 401:
      return "unauthorized";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 410:
      return "link_used_or_expired";
    case 429:
      return "rate_limited";
    default:
      return "error";
  }
}

json::object body_object(const HttpRequest& request) {
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec || !v.is_object()) throw ServiceError(400, "the request body must be a JSON object");
  return std::move(v.get_object());
}

std::string string_field(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_string())
    throw ServiceError(400, "`" + std::string(name) + "` is required (a string)");
  return std::string(it->value().get_string());
}

// Every X-Forwarded-For line, joined in order: some proxies add a line of their own after the
// client's rather than extending it, and the hops must be read from the right across all of them.
std::string forwarded_for(const HttpRequest& request) {
  std::string out;
  for (const auto& h : request.headers)
    if (iequals_ascii(h.name, "x-forwarded-for")) {
      if (!out.empty()) out += ", ";
      out += h.value;
    }
  return out;
}

json::object user_view(const UserRecord& u) {
  return {{"id", u.id}, {"email", u.email}, {"role", u.role}, {"account_id", u.account_id}};
}

}  // namespace

UserLifetimes user_lifetimes(const ConsoleSection& c) {
  UserLifetimes l;
  l.link_ms = c.console_link_ttl_hours * 3'600'000;
  l.session_idle_ms = c.console_session_idle_hours * 3'600'000;
  l.session_max_ms = c.console_session_max_days * 86'400'000;
  return l;
}

std::string console_base_url(const Config& c) {
  if (!c.console_url.empty()) return c.console_url;
  const bool v6 = c.listen_host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" +
         std::to_string(c.listen_port);
}

const Headers& console_security_headers() {
  static const Headers headers = {
      {"content-security-policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'"},
      {"x-frame-options", "DENY"},
      {"x-content-type-options", "nosniff"},
      {"referrer-policy", "no-referrer"},
      {"cross-origin-opener-policy", "same-origin"},
      {"permissions-policy", "camera=(), microphone=(), geolocation=()"},
  };
  return headers;
}

struct ConsoleRoutes::Impl {
  Impl(UserService& u, KeyService& k, StoreSync& s, AdminRoutes& a, const ConsoleSection& c)
      : users(u),
        keys(k),
        sync(s),
        admin(a),
        config(c),
        secure(c.console_url.starts_with("https://")),
        addresses(c.trusted_proxies),
        pool(2) {}
  ~Impl() { pool.join(); }

  UserService& users;
  KeyService& keys;
  StoreSync& sync;
  AdminRoutes& admin;
  ConsoleSection config;
  bool secure;
  ClientAddress addresses;
  SignInLimiter limiter;
  asio::thread_pool pool;

  // What a handler sees: the request, the client's address, and the session cookie's secret.
  struct Call {
    const HttpRequest& request;
    std::string address;
    std::string secret;
  };
  using Endpoint = HttpResponse (Impl::*)(const Call& call);

  HttpResponse signed_in(const NewSession& s) {
    HttpResponse r = json_response(200, json::object{{"user", user_view(s.user)},
                                                     {"csrf", csrf_token(s.secret)},
                                                     {"expires_at", s.record.expires_at / 1000}});
    r.headers.push_back(
        {"set-cookie",
         session_cookie(s.secret, s.record.expires_at / 1000 - unix_seconds_now(), secure)});
    return r;
  }

  HttpResponse session(const Call& call) {
    auto s = users.session(call.secret, unix_ms_now());
    if (!s) return error(401, "unauthorized", "not signed in");
    return json_response(200, json::object{{"user", user_view(s->user)},
                                           {"csrf", csrf_token(call.secret)},
                                           {"expires_at", s->record.expires_at / 1000}});
  }

  HttpResponse sign_in(const Call& call) {
    auto body = body_object(call.request);
    const std::string email = string_field(body, "email");
    const std::string password = string_field(body, "password");
    const std::string key = normalized_email(email).value_or(email);
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    if (std::int64_t wait = limiter.attempt(
            call.address, key, std::chrono::duration_cast<std::chrono::nanoseconds>(now).count())) {
      HttpResponse r =
          error(429, "rate_limited",
                "too many sign-in attempts; try again in " + std::to_string(wait) + " s");
      r.headers.push_back({"retry-after", std::to_string(wait)});
      return r;
    }
    return signed_in(
        users.sign_in(email, password, unix_ms_now(), sign_in_address_key(call.address)));
  }

  // A password check (sign-in, a password change) past the limits: the 429 to answer.
  std::optional<HttpResponse> limited(const std::string& address, const std::string& email) {
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    std::int64_t wait = limiter.attempt(
        address, email, std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
    if (wait == 0) return std::nullopt;
    HttpResponse r =
        error(429, "rate_limited",
              "too many password attempts; try again in " + std::to_string(wait) + " s");
    r.headers.push_back({"retry-after", std::to_string(wait)});
    return r;
  }

  HttpResponse sign_out(const Call& call) {
    users.end_session(call.secret);
    HttpResponse r = json_response(200, json::object{{"signed_out", true}});
    r.headers.push_back({"set-cookie", cleared_session_cookie(secure)});
    return r;
  }

  HttpResponse sign_out_everywhere(const Call& call) {
    auto s = users.session(call.secret, unix_ms_now());
    if (!s) return error(401, "unauthorized", "not signed in");
    std::int64_t ended = users.end_all_sessions(s->user.id);
    HttpResponse r = json_response(200, json::object{{"sessions_ended", ended}});
    r.headers.push_back({"set-cookie", cleared_session_cookie(secure)});
    return r;
  }

  HttpResponse change_password(const Call& call) {
    auto s = users.session(call.secret, unix_ms_now());
    if (!s) return error(401, "unauthorized", "not signed in");
    auto body = body_object(call.request);
    // The current password is checked as a sign-in's is: a stolen cookie is no way to guess it.
    if (auto refused = limited(call.address, s->user.email)) return std::move(*refused);
    users.change_password(s->user.id, string_field(body, "current"), string_field(body, "new"),
                          call.secret);
    return json_response(200, json::object{{"changed", true}});
  }

  // A key for the Chat page: the member's account, the default limits, this session's, for
  // console_chat_token_minutes (never past the session's own end). The page asks again before
  // it runs out.
  HttpResponse chat_token(const Call& call) {
    const std::int64_t now = unix_ms_now();
    auto s = users.session(call.secret, now);
    if (!s) return error(401, "unauthorized", "not signed in");
    if (s->user.role != user_role::kMember || s->user.account_id.empty())
      return error(403, "forbidden", "Chat is for account members: an operator has no credits");
    // Never past the session's end, absolute or idle (an idle session is swept without a word).
    const std::int64_t ends =
        std::min({now + config.console_chat_token_minutes * 60'000, s->record.expires_at,
                  s->record.last_seen_at + users.lifetimes().session_idle_ms});
    GeneratedKey key =
        keys.create_chat_key(s->user.account_id, s->user.id, s->record.id_hash, ends);
    // A sign-out that ran between the check above and the insert revoked the session's keys
    // before this one existed: look again, and take it back.
    if (!users.session(call.secret, unix_ms_now())) {
      keys.revoke(key.record.id);
      sync.sync_now();
      return error(401, "unauthorized", "not signed in");
    }
    sync.sync_now();  // the page's first call comes at once
    return json_response(200, json::object{{"token", key.secret}, {"expires_at", ends / 1000}});
  }

  HttpResponse check_link(const Call& call) {
    auto body = body_object(call.request);
    UserRecord u = users.link_user(string_field(body, "token"), unix_ms_now());
    return json_response(
        200, json::object{{"email", u.email}, {"role", u.role}, {"account_id", u.account_id}});
  }

  HttpResponse set_password(const Call& call) {
    auto body = body_object(call.request);
    const std::string password = string_field(body, "password");
    UserRecord u = users.set_password(string_field(body, "token"), password, unix_ms_now());
    return signed_in(users.sign_in(u.email, password, unix_ms_now()));
  }

  // The caller of an admin endpoint under /console/api/v1/: the session's user, its writes
  // checked against CSRF. Runs on the admin pool.
  std::variant<Caller, HttpResponse> caller(const HttpRequest& request, const std::string& remote) {
    (void)remote;
    const std::string secret(cookie_value(request.header("cookie"), session_cookie_name(secure)));
    try {
      auto s = users.session(secret, unix_ms_now());
      if (!s) return error(401, "unauthorized", "not signed in");
      if (request.method != "GET" && request.method != "HEAD")
        if (auto problem =
                csrf_problem(request, console_origin(config.console_url, request), secret))
          return error(403, "csrf_failed", *problem);
      return Caller{s->user.role == std::string(user_role::kOperator), s->user.account_id,
                    s->user.id};
    } catch (const StoreUnavailable&) {
      return error(503, "unavailable", "the gateway's store cannot be reached; try again shortly");
    }
  }

  // Runs on the pool.
  HttpResponse handle(const Call& call, Endpoint endpoint, bool write, bool needs_session) {
    try {
      if (write) {
        // A write before any session (sign-in, links) has no token to check; the others must
        // carry the token of the session they act for.
        const std::string origin = console_origin(config.console_url, call.request);
        if (auto problem =
                csrf_problem(call.request, origin, needs_session ? call.secret : std::string()))
          return error(403, "csrf_failed", *problem);
      }
      return (this->*endpoint)(call);
    } catch (const ServiceError& e) {
      HttpResponse r = error(e.status, code_of(e.status), e.what());
      if (e.retry_after_s > 0)
        r.headers.push_back({"retry-after", std::to_string(e.retry_after_s)});
      return r;
    } catch (const StoreUnavailable&) {
      return error(503, "unavailable", "the gateway's store cannot be reached; try again shortly");
    } catch (const std::exception& e) {
      return error(500, "internal", std::string("console request failed: ") + e.what());
    }
  }

  asio::awaitable<void> serve(Exchange& ex, Endpoint endpoint, bool write, bool needs_session) {
    const HttpRequest& request = ex.request();
    Call call{request, addresses.of(ex.remote_address(), forwarded_for(request)),
              std::string(cookie_value(request.header("cookie"), session_cookie_name(secure)))};
    auto work = [this, &call, endpoint, write, needs_session]() -> asio::awaitable<HttpResponse> {
      co_return handle(call, endpoint, write, needs_session);
    };
    HttpResponse response = co_await asio::co_spawn(pool, work, asio::use_awaitable);
    co_await ex.respond(std::move(response));
  }
};

ConsoleRoutes::ConsoleRoutes(UserService& users, KeyService& keys, StoreSync& sync,
                             AdminRoutes& admin, const ConsoleSection& config)
    : impl_(std::make_unique<Impl>(users, keys, sync, admin, config)) {}
ConsoleRoutes::~ConsoleRoutes() = default;

void ConsoleRoutes::register_on(Router& router) {
  // A path or method the console API lacks answers in its own shape, with its headers.
  router.set_error_renderer(std::string(kBase), [](const ApiError& e) {
    return error(e.status, e.code.empty() ? code_of(e.status) : std::string_view(e.code),
                 e.message);
  });
  Impl* impl = impl_.get();
  using I = Impl;
  struct Route {
    const char* method;
    std::string_view path;  // under /console/api/
    I::Endpoint endpoint;
    bool needs_session;  // a write that acts for a session: the CSRF token is checked
  };
  static constexpr Route kRoutes[] = {
      {"GET", "session", &I::session, true},
      {"POST", "sign-in", &I::sign_in, false},
      {"POST", "sign-out", &I::sign_out, true},
      {"POST", "sign-out-everywhere", &I::sign_out_everywhere, true},
      {"POST", "password", &I::change_password, true},
      {"POST", "chat-token", &I::chat_token, true},
      {"POST", "links/check", &I::check_link, false},
      {"POST", "set-password", &I::set_password, false},
  };
  register_console_pages(router);
  // The admin endpoints for the session's user; their answers carry the console's headers.
  AdminMount mount;
  mount.authenticate = [impl](const HttpRequest& request, const std::string& remote) {
    return impl->caller(request, remote);
  };
  mount.headers = console_security_headers();
  mount.headers.push_back({"cache-control", "no-store"});
  impl->admin.mount_on(router, std::string(kBase) + "v1/", std::move(mount));
  for (const Route& r : kRoutes) {
    const bool write = std::string_view(r.method) != "GET";
    I::Endpoint endpoint = r.endpoint;
    const bool needs_session = r.needs_session;
    router.add(r.method, std::string(kBase) + std::string(r.path),
               [impl, endpoint, write, needs_session](Exchange& ex) {
                 return impl->serve(ex, endpoint, write, needs_session);
               });
  }
}

}  // namespace glmgate
