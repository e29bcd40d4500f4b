// A statement's parameters for libpq (PgParams): values in text format, and arrays in
// PostgreSQL's binary format (PgArray) for statements that take a whole batch of rows as one array
// per column (unnest), so that a batch is one statement whatever its size. Binary arrays because
// PostgreSQL spent a third of a batch's CPU parsing the text literals of the same arrays (quoted,
// escaped elements; numbers in decimal). Plain values; no libpq.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace glmgate {

class PgArray;

class PgParams {
 public:
  PgParams& text(std::string value);
  PgParams& integer(std::int64_t value);
  PgParams& boolean(bool value);
  PgParams& null();
  // The array's elements in binary format (the array is left empty). The statement names the
  // parameter's type with a cast ("$3::bigint[]"), which must be the array's.
  PgParams& array(PgArray& value);

  int size() const { return static_cast<int>(values_.size()); }
  // For PQexecPrepared: one pointer per parameter (null for NULL), valid while this lives
  // unchanged; then each one's length and format (0 text, 1 binary).
  std::vector<const char*> pointers() const;
  std::vector<int> lengths() const;
  const std::vector<int>& formats() const { return formats_; }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;
};

// The SQL types an array's elements may have: text, bigint (int8), integer (int4), boolean.
enum class PgType { kText, kBigint, kInteger, kBoolean };

// "text", "bigint", "integer" or "boolean" as a PgType; throws std::invalid_argument otherwise.
PgType pg_type(std::string_view name);

// A one-dimensional array of one element type built one element at a time, as PostgreSQL's
// array_recv reads it: any text round-trips unchanged (text holding a NUL byte is refused by
// PostgreSQL, as in every other format). An element of the wrong kind for the array's type
// throws std::logic_error.
class PgArray {
 public:
  explicit PgArray(PgType type = PgType::kText) : type_(type) {}

  PgArray& text(std::string_view value);
  PgArray& integer(std::int64_t value);
  PgArray& boolean(bool value);
  PgArray& null();
  // The array in binary format; the array is left empty.
  std::string take();

  PgType type() const { return type_; }

 private:
  void element(std::string_view bytes);

  PgType type_;
  std::string elements_;
  std::int32_t count_ = 0;
  bool has_null_ = false;
};

// One empty array per type name of `types` (a table's column types, as above).
std::vector<PgArray> pg_arrays(std::span<const std::string_view> types);

}  // namespace glmgate
