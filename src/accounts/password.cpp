// Argon2id passwords; see password.hpp.
#include "accounts/password.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace glmgate {

namespace {

constexpr std::size_t kMinLength = 12;
constexpr std::size_t kMaxLength = 256;

void ensure_sodium() {
  // Thread-safe and idempotent; -1 only when the library cannot start (no randomness source).
  static const int ready = sodium_init();
  if (ready < 0) throw std::runtime_error("libsodium could not start");
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

PasswordCost interactive_password_cost() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordCost minimum_password_cost() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

std::string hash_password(std::string_view password, PasswordCost cost) {
  ensure_sodium();
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), cost.ops,
                                 cost.memory_bytes) != 0)
    throw std::runtime_error("not enough memory to hash a password");
  return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  // libsodium reads a NUL-terminated string of at most STRBYTES - 1 characters.
  if (hash.empty() || hash.size() >= crypto_pwhash_argon2id_STRBYTES) return false;
  const std::string stored(hash);
  return crypto_pwhash_argon2id_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, PasswordCost cost) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_argon2id_STRBYTES) return true;
  const std::string stored(hash);
  // 1: other parameters, -1: not an Argon2id hash at all; either way a new hash is due.
  return crypto_pwhash_argon2id_str_needs_rehash(stored.c_str(), cost.ops, cost.memory_bytes) != 0;
}

std::optional<std::string> password_problem(std::string_view password, std::string_view email) {
  if (password.size() < kMinLength)
    return "A password needs at least " + std::to_string(kMinLength) + " characters.";
  if (password.size() > kMaxLength)
    return "A password has at most " + std::to_string(kMaxLength) + " characters.";
  if (!email.empty() && equal_ignoring_case(password, email))
    return "A password cannot be the account's email address.";
  return std::nullopt;
}

}  // namespace glmgate
