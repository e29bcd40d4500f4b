// Parameters and binary arrays; see postgres_params.hpp.
#include "backends/postgres/postgres_params.hpp"

#include <stdexcept>

namespace glmgate {

namespace {

// PostgreSQL's type OIDs (pg_type.dat), fixed since forever.
constexpr std::uint32_t kOidBool = 16, kOidInt8 = 20, kOidInt4 = 23, kOidText = 25;

std::uint32_t element_oid(PgType type) {
  switch (type) {
    case PgType::kText:
      return kOidText;
    case PgType::kBigint:
      return kOidInt8;
    case PgType::kInteger:
      return kOidInt4;
    case PgType::kBoolean:
      return kOidBool;
  }
  return kOidText;
}

// Network byte order, as every integer of the binary formats.
template <class Int>
void put(std::string& out, Int value) {
  auto u = static_cast<std::make_unsigned_t<Int>>(value);
  for (int shift = (sizeof(Int) - 1) * 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((u >> shift) & 0xff));
}

}  // namespace

PgParams& PgParams::text(std::string value) {
  values_.push_back(std::move(value));
  nulls_.push_back(false);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::integer(std::int64_t value) {
  return text(std::to_string(value));
}

PgParams& PgParams::boolean(bool value) {
  return text(value ? "t" : "f");
}

PgParams& PgParams::null() {
  values_.emplace_back();
  nulls_.push_back(true);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::array(PgArray& value) {
  values_.push_back(value.take());
  nulls_.push_back(false);
  formats_.push_back(1);
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i)
    out.push_back(nulls_[i] ? nullptr : values_[i].c_str());
  return out;
}

std::vector<int> PgParams::lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& v : values_)
    out.push_back(static_cast<int>(v.size()));
  return out;
}

PgType pg_type(std::string_view name) {
  if (name == "text") return PgType::kText;
  if (name == "bigint") return PgType::kBigint;
  if (name == "integer") return PgType::kInteger;
  if (name == "boolean") return PgType::kBoolean;
  throw std::invalid_argument("no array of type " + std::string(name));
}

void PgArray::element(std::string_view bytes) {
  put(elements_, static_cast<std::int32_t>(bytes.size()));
  elements_.append(bytes);
  ++count_;
}

PgArray& PgArray::text(std::string_view value) {
  if (type_ != PgType::kText) throw std::logic_error("a text element in a non-text array");
  element(value);
  return *this;
}

PgArray& PgArray::integer(std::int64_t value) {
  if (type_ == PgType::kBigint) {
    put(elements_, std::int32_t{8});
    put(elements_, value);
  } else if (type_ == PgType::kInteger) {
    put(elements_, std::int32_t{4});
    put(elements_, static_cast<std::int32_t>(value));
  } else {
    throw std::logic_error("an integer element in a non-integer array");
  }
  ++count_;
  return *this;
}

PgArray& PgArray::boolean(bool value) {
  if (type_ != PgType::kBoolean) throw std::logic_error("a boolean element in a non-boolean array");
  element(std::string_view(value ? "\1" : "\0", 1));
  return *this;
}

PgArray& PgArray::null() {
  put(elements_, std::int32_t{-1});
  ++count_;
  has_null_ = true;
  return *this;
}

std::string PgArray::take() {
  // Dimensions, null flag, element type; then the one dimension's length and lower bound (an
  // empty array has no dimension); then the elements, each its length (-1: NULL) and bytes.
  std::string out;
  out.reserve(20 + elements_.size());
  put(out, std::int32_t{count_ > 0 ? 1 : 0});
  put(out, std::int32_t{has_null_ ? 1 : 0});
  put(out, element_oid(type_));
  if (count_ > 0) {
    put(out, count_);
    put(out, std::int32_t{1});
  }
  out += elements_;
  elements_.clear();
  count_ = 0;
  has_null_ = false;
  return out;
}

std::vector<PgArray> pg_arrays(std::span<const std::string_view> types) {
  std::vector<PgArray> out;
  out.reserve(types.size());
  for (auto t : types)
    out.emplace_back(pg_type(t));
  return out;
}

}  // namespace glmgate
