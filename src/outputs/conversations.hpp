// Conversations: rebuilds the conversation a previous_response_id continues from the stored
// outputs, following each response's own previous_response_id back to the first turn, and finds
// the output items item_reference inputs name. Every
// response keeps only its own turn (its new input and its answer), so a chain of N turns costs
// N rows, not N² messages. The store reads run on the blocking pool. Thread-safe.
#pragma once

#include "contracts/conversation_source.hpp"
#include "core/blocking_pool.hpp"
#include "outputs/output_service.hpp"

namespace glmgate {

class Conversations final : public ConversationSource {
 public:
  Conversations(OutputService& outputs, BlockingPool& pool) : outputs_(outputs), pool_(pool) {}

  boost::asio::awaitable<Result<boost::json::array>> history(
      const std::string& response_id, const std::string& account_id) override;

  // Blocking: the same, on the caller's thread.
  Result<boost::json::array> history_now(const std::string& response_id,
                                         const std::string& account_id);

  boost::asio::awaitable<Result<boost::json::object>> items(const std::vector<ItemReference>& refs,
                                                            const std::string& account_id) override;
  // Blocking: the same, on the caller's thread. An item's ID names its response ("rs_X_2" is
  // item 2 of "resp_X"), so one lookup by response ID finds it, with no index of items.
  Result<boost::json::object> items_now(const std::vector<ItemReference>& refs,
                                        const std::string& account_id);

 private:
  OutputService& outputs_;
  BlockingPool& pool_;
};

// The assistant message of a stored canonical completion, as it goes back into a conversation.
boost::json::object assistant_message(const boost::json::object& completion);

}  // namespace glmgate
