// The OutputStore contract (contracts/store/output_store.hpp), for every backend: an output
// committed with its call, or on its own, is found as it was given; only its owner deletes it,
// and its call's usage record stays; the sweep deletes what expired, once.
#include <tuple>

#include "contracts/store/store_contract.hpp"

namespace glmgate {
namespace {

using OutputStoreContract = StoreContractTest;
GLMGATE_STORE_CONTRACT(OutputStoreContract);

auto fields(const StoredOutput& o) {
  return std::tie(o.id, o.account_id, o.key_id, o.surface, o.model, o.status, o.body, o.context,
                  o.previous_id, o.usage.prompt_tokens, o.usage.completion_tokens,
                  o.usage.cached_tokens, o.usage.reasoning_tokens, o.usage.estimated, o.cost,
                  o.created_at, o.expires_at);
}

TEST_P(OutputStoreContract, FindsAnOutputAsGivenDeletesItForItsOwnerOnlyAndSweepsItOnce) {
  OutputStore& outputs = *store_;
  std::string acme = new_account("acme", 1000);
  UsageRecord call = call_record("req_1", acme, 40, 10'000);
  StoredOutput with_call = output_of(call, "chatcmpl-1", 60'000);
  UsageRecord turn_call = call_record("req_2", acme, 40, 10'000);
  StoredOutput turn = output_of(turn_call, "resp_2", 20'000);  // a Responses turn, cut short
  turn.status = "incomplete";
  turn.context = R"({"turn":[]})";
  turn.previous_id = "resp_before";
  turn.created_at = 11'000;
  turn.usage.estimated = true;
  UsageRecord alone_call = call_record("req_3", acme, 40, 10'000);
  StoredOutput alone = output_of(alone_call, "msg_3", 0);  // its call commits in another batch
  WriteBatch batch;
  batch.outputs = {with_call, turn, alone};
  batch.calls = {{call, charge_of(call), 0}, {turn_call, charge_of(turn_call), 1}};
  store_->commit(batch);

  for (const StoredOutput* o : {&with_call, &turn, &alone}) {
    auto found = outputs.find_output(o->id);
    ASSERT_TRUE(found) << o->id;
    EXPECT_TRUE(fields(*found) == fields(*o)) << o->id;
  }
  EXPECT_FALSE(outputs.find_output("chatcmpl-none"));

  EXPECT_FALSE(outputs.delete_output(with_call.id, "acct_other"));
  EXPECT_TRUE(outputs.delete_output(with_call.id, acme));
  EXPECT_FALSE(outputs.find_output(with_call.id));
  EXPECT_FALSE(outputs.delete_output(with_call.id, acme));
  EXPECT_EQ(store_->usage({acme, std::nullopt, false, false, 10}).size(), 2u);  // records stay

  EXPECT_EQ(outputs.sweep_outputs(19'999, 100), 0);
  EXPECT_EQ(outputs.sweep_outputs(20'001, 100), 1);  // the turn; `alone` never expires
  EXPECT_EQ(outputs.sweep_outputs(20'001, 100), 0);
  EXPECT_FALSE(outputs.find_output(turn.id));
  EXPECT_TRUE(outputs.find_output(alone.id));
  EXPECT_EQ(store_->find_account(acme)->balance, 1000 - 80);  // charges stay too
}

TEST_P(OutputStoreContract, SweepsInBoundedTransactionsUntilNoneIsLeft) {
  std::string acme = new_account("acme");
  WriteBatch batch;
  for (int i = 0; i < 25; ++i) {
    UsageRecord call = call_record("req_" + std::to_string(i), acme, 0, 1000);
    batch.outputs.push_back(output_of(call, "chatcmpl-" + std::to_string(i), 5000));
    batch.calls.push_back({call, std::nullopt, i % 2 ? i : -1});  // half kept with their call
  }
  store_->commit(batch);
  std::int64_t total = 0;
  for (int round = 0; round < 10; ++round) {
    std::int64_t n = store_->sweep_outputs(6000, 10);
    total += n;
    if (n < 10) break;
  }
  EXPECT_EQ(total, 25);
  EXPECT_FALSE(store_->find_output("chatcmpl-7"));
}

}  // namespace
}  // namespace glmgate
