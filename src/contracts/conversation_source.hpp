// ConversationSource: what a Responses request continues — the conversation a
// previous_response_id names, and the items its item_reference inputs name — read from the
// account's stored outputs.
//
// Threading: awaited from I/O threads; the implementation reads the store off them (a blocking
// pool) and resumes the caller on its own executor.
// Errors: a 400 (param previous_response_id, or input[N] for an item) when the account has no such
// response or item; another account's IDs answer exactly as unknown ones do.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "canonical/request.hpp"
#include "core/api_error.hpp"

namespace glmgate {

class ConversationSource {
 public:
  virtual ~ConversationSource() = default;
  // The messages up to and including `response_id`'s answer, oldest first, in canonical form.
  virtual boost::asio::awaitable<Result<boost::json::array>> history(
      const std::string& response_id, const std::string& account_id) = 0;
  // The stored output items that `refs` name, by ID, as the client saw them.
  virtual boost::asio::awaitable<Result<boost::json::object>> items(
      const std::vector<ItemReference>& refs, const std::string& account_id) = 0;
};

}  // namespace glmgate
