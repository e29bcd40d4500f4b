// The SSE parser: any split of the byte stream gives the same events; CRLF, comments, multi-line
// data, event names, and a cap on event size.
#include <gtest/gtest.h>

#include "providers/sse_parser.hpp"

namespace glmgate {
namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view text, std::size_t piece) {
  SseParser parser;
  std::vector<SseEvent> out;
  for (std::size_t i = 0; i < text.size(); i += piece)
    EXPECT_TRUE(parser.feed(text.substr(i, piece), out));
  return out;
}

TEST(SseParser, GivesTheSameEventsForEverySplit) {
  const std::string text =
      ": ping\n\n"
      "data: {\"a\":1}\n\n"
      "event: message_start\r\ndata: {\"b\":2}\r\n\r\n"
      "data: line1\ndata: line2\n\n"
      "data:nospace\r\rdata: [DONE]\n\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    auto events = parse_in_pieces(text, piece);
    ASSERT_EQ(events.size(), 5u) << "piece size " << piece;
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[1].event, "message_start");
    EXPECT_EQ(events[1].data, "{\"b\":2}");
    EXPECT_EQ(events[2].data, "line1\nline2");
    EXPECT_EQ(events[3].data, "nospace");
    EXPECT_EQ(events[4].data, "[DONE]");
  }
}

TEST(SseParser, HoldsAnUnfinishedEventUntilItsBlankLine) {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed("data: part", out);
  EXPECT_TRUE(out.empty());
  parser.feed("ial\n", out);
  EXPECT_TRUE(out.empty());
  parser.feed("\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "partial");
}

TEST(SseParser, RefusesAnOversizedEvent) {
  SseParser parser(64);
  std::vector<SseEvent> out;
  EXPECT_FALSE(parser.feed("data: " + std::string(100, 'x'), out));
}

}  // namespace
}  // namespace glmgate
