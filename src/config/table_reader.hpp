// TableReader: typed reads of one TOML table for the config loader, every error a ConfigError
// that names the file, the key and what is wrong; and parse_array for [[arrays]] of tables.
// Start-up only; internal to config/.
#pragma once

#include <toml++/toml.h>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace glmgate {

// "a string", "an integer"...: a TOML value's type in an error message.
std::string type_name(const toml::node& n);

// Reads typed keys of one TOML table and reports errors as "<file>: <path>.<key>: <what>".
// A key that is absent leaves its value as it was (the default).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string source, std::string path)
      : table_(table), source_(std::move(source)), path_(std::move(path)) {}

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    throw ConfigError(source_ + ": " + name(key) + ": " + what);
  }
  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const std::string& source() const { return source_; }
  bool has(std::string_view key) const { return table_.contains(key); }

  void string(std::string_view key, std::string& out, bool required = false) const {
    const toml::node* n = table_.get(key);
    if (!n) {
      if (required) fail(key, "is required (a string)");
      return;
    }
    auto v = n->value<std::string>();
    if (!n->is_string() || !v) fail(key, "expected a string, got " + type_name(*n));
    out = *v;
  }

  // A list of strings; `or_one`: a single string is a list of one.
  void strings(std::string_view key, std::vector<std::string>& out, bool or_one = false) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (or_one && n->is_string()) {
      out = {*n->value<std::string>()};
      return;
    }
    const toml::array* a = n->as_array();
    const std::string expected = or_one ? "a string or a list of strings" : "a list of strings";
    if (!a) fail(key, "expected " + expected + ", got " + type_name(*n));
    out.clear();
    for (const auto& item : *a) {
      if (!item.is_string())
        fail(key, "expected " + expected + ", got an element that is " + type_name(item));
      out.push_back(*item.value<std::string>());
    }
  }

  const toml::table& table() const { return table_; }

  void integer(std::string_view key, std::int64_t& out, std::int64_t min,
               std::int64_t max = std::numeric_limits<std::int64_t>::max()) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (!n->is_integer())
      fail(key, "expected an integer, got " + type_name(*n) + " (write it without quotes)");
    std::int64_t v = *n->value<std::int64_t>();
    if (v < min || v > max)
      fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    ", got " + std::to_string(v));
    out = v;
  }

  void boolean(std::string_view key, bool& out) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (!n->is_boolean()) fail(key, "expected true or false, got " + type_name(*n));
    out = *n->value<bool>();
  }

  void price(std::string_view key, NanoUsd& out) const {
    const toml::node* n = table_.get(key);
    if (!n) return;
    if (!n->is_number()) fail(key, "expected a price in USD per 1M tokens, got " + type_name(*n));
    auto nano = usd_to_nano(*n->value<double>());
    if (!nano) fail(key, "must be a price between 0 and 1000000 USD per 1M tokens");
    out = *nano;
  }

  void only(std::initializer_list<std::string_view> known) const {
    only(std::span<const std::string_view>(known.begin(), known.size()));
  }
  // Fails on a key not in `known`, listing them.
  void only(std::span<const std::string_view> known) const {
    for (const auto& [k, v] : table_) {
      bool ok = false;
      for (auto name : known)
        ok = ok || name == k.str();
      if (!ok) {
        std::string list;
        for (auto name : known)
          list += (list.empty() ? "" : ", ") + std::string(name);
        fail(k.str(), "unknown key (known keys here: " + list + ")");
      }
    }
  }

 private:
  const toml::table& table_;
  std::string source_;
  std::string path_;
};

// The tables of the array `key` of `root`, each read by parse_one(table, source, "key[i]").
template <class T, class F>
std::vector<T> parse_array(const toml::table& root, std::string_view key, const std::string& source,
                           F parse_one) {
  const toml::node* node = root.get(key);
  const toml::array* arr = node ? node->as_array() : nullptr;
  if (!arr)
    throw ConfigError(source + ": " + std::string(key) + ": expected an array of tables, " +
                      "written as [[" + std::string(key) + "]]");
  std::vector<T> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    std::string path = std::string(key) + "[" + std::to_string(i) + "]";
    const toml::table* t = arr->get(i)->as_table();
    if (!t) throw ConfigError(source + ": " + path + ": expected a table");
    out.push_back(parse_one(*t, source, path));
  }
  return out;
}

}  // namespace glmgate
