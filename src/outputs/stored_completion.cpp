// Stored answers; see stored_completion.hpp.
#include "outputs/stored_completion.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

#include "canonical/json_checks.hpp"
#include "canonical/usage_json.hpp"

namespace glmgate {

namespace json = boost::json;

namespace {

// Appends `value`'s JSON text to `out` through one serializer per thread, without the temporary
// string json::serialize() returns.
void append_json(std::string& out, const json::value& value) {
  thread_local json::serializer serializer;
  serializer.reset(&value);
  char buffer[512];
  while (!serializer.done())
    out.append(serializer.read(buffer, sizeof buffer));
}

}  // namespace

std::string compact_completion(const json::object& completion) {
  // Serialized piece by piece: no copy of the message into a new object.
  std::string out;
  out.reserve(256);
  out += '{';
  auto field = [&out](std::string_view key, const json::value& value) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += key;
    out += "\":";
    append_json(out, value);
  };
  if (auto c = completion.find("created"); c != completion.end()) field("created", c->value());
  if (const json::object* choice = first_choice(completion)) {
    if (auto f = choice->find("finish_reason"); f != choice->end())
      field("finish_reason", f->value());
    if (auto m = choice->find("message"); m != choice->end()) field("message", m->value());
  }
  out += '}';
  return out;
}

json::object stored_completion(const StoredOutput& o) {
  boost::system::error_code ec;
  json::value parsed = json::parse(o.body, ec);
  json::object kept = !ec && parsed.is_object() ? std::move(parsed.get_object()) : json::object();
  auto take = [&kept](std::string_view key, json::value fallback) {
    auto it = kept.find(key);
    return it == kept.end() ? fallback : it->value();
  };
  json::object message{{"role", "assistant"}, {"content", nullptr}};
  if (auto m = kept.find("message"); m != kept.end() && m->value().is_object())
    message = m->value().get_object();
  return json::object{
      {"id", o.id},
      {"object", "chat.completion"},
      {"created", take("created", o.created_at / 1000)},
      {"model", o.model},
      {"choices", json::array{json::object{{"index", 0},
                                           {"message", std::move(message)},
                                           {"finish_reason", take("finish_reason", nullptr)}}}},
      {"usage", usage_to_json(o.usage)}};
}

}  // namespace glmgate
