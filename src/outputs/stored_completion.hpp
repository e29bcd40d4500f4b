// The stored form of an answer. An output row keeps only what its columns do not:
// {"created", "finish_reason", "message"} of the chat.completion (about a third of the whole
// object, which matters because every request writes one). stored_completion() rebuilds the
// chat.completion the client got, with the row's ID, model and usage. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "contracts/records.hpp"

namespace glmgate {

std::string compact_completion(const boost::json::object& completion);
boost::json::object stored_completion(const StoredOutput& output);

}  // namespace glmgate
