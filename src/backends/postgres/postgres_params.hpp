// A statement's parameters in libpq's text format (PgParams), and PostgreSQL array literals
// (PgArray) for statements that take a whole batch of rows as one array per column (unnest), so
// that a batch is one statement whatever its size. Plain values; no libpq.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glmgate {

class PgParams {
 public:
  PgParams& text(std::string value);
  PgParams& integer(std::int64_t value);
  PgParams& boolean(bool value);
  PgParams& null();

  int size() const { return static_cast<int>(values_.size()); }
  // For PQexecPrepared: one pointer per parameter (null for NULL), valid while this lives
  // unchanged.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// An array literal ('{"a","b\"c",NULL}') built one element at a time: text elements are quoted
// and escaped as PostgreSQL's array input reads them, so any text (quotes, backslashes, braces,
// commas, newlines) round-trips.
class PgArray {
 public:
  PgArray& text(std::string_view value);
  PgArray& integer(std::int64_t value);
  PgArray& boolean(bool value);
  PgArray& null();
  // The literal; the array is left empty.
  std::string take();

 private:
  void separate();

  std::string literal_ = "{";
};

}  // namespace glmgate
