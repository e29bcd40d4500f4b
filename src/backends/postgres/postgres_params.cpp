// Parameters and array literals; see postgres_params.hpp.
#include "backends/postgres/postgres_params.hpp"

namespace glmgate {

PgParams& PgParams::text(std::string value) {
  values_.push_back(std::move(value));
  nulls_.push_back(false);
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
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i)
    out.push_back(nulls_[i] ? nullptr : values_[i].c_str());
  return out;
}

void PgArray::separate() {
  if (literal_.size() > 1) literal_ += ',';
}

PgArray& PgArray::text(std::string_view value) {
  separate();
  literal_ += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') literal_ += '\\';
    literal_ += c;
  }
  literal_ += '"';
  return *this;
}

PgArray& PgArray::integer(std::int64_t value) {
  separate();
  literal_ += std::to_string(value);
  return *this;
}

PgArray& PgArray::boolean(bool value) {
  separate();
  literal_ += value ? 't' : 'f';
  return *this;
}

PgArray& PgArray::null() {
  separate();
  literal_ += "NULL";
  return *this;
}

std::string PgArray::take() {
  literal_.push_back('}');
  std::string out;
  out.swap(literal_);
  literal_.assign(1, '{');
  return out;
}

}  // namespace glmgate
