// Passwords of console users (issue 20): Argon2id through libsodium. A hash is libsodium's
// self-describing string ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash"), so verify_password()
// reads its parameters from it and needs_rehash() tells when they are below today's cost, for a
// sign-in to hash again with the new ones.
// The cost is libsodium's "interactive" one (2 passes over 64 MiB, 50-100 ms here): meant for
// sign-ins, never for a request path. password_problem() is the policy a new password meets.
// Threading: any thread, but hashing and verifying take tens of milliseconds and 64 MiB each:
// run them on the blocking pool, never on an I/O thread. Errors: hash_password() throws
// std::runtime_error when libsodium cannot allocate the memory; verify_password() answers false
// for a malformed hash.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace glmgate {

struct PasswordCost {
  unsigned long long ops = 0;
  std::size_t memory_bytes = 0;
};

// libsodium's interactive limits for Argon2id (the default for console sign-ins).
PasswordCost interactive_password_cost();
// libsodium's minimum: for tests only, where 64 MiB a hash would only slow them down.
PasswordCost minimum_password_cost();

std::string hash_password(std::string_view password,
                          PasswordCost cost = interactive_password_cost());
bool verify_password(std::string_view hash, std::string_view password);
bool needs_rehash(std::string_view hash, PasswordCost cost = interactive_password_cost());

// Why `password` cannot be a user's (too short, too long, the user's email), or nullopt. Lengths
// are in bytes: 12 to 256.
std::optional<std::string> password_problem(std::string_view password, std::string_view email);

}  // namespace glmgate
