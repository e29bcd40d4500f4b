// RESP through hiredis; see redis_resp.hpp.
#include "backends/redis/redis_resp.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <new>
#include <vector>

namespace glmgate {

namespace {

RedisReply convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r.type == REDIS_REPLY_STRING   ? RedisReply::Type::string
                 : r.type == REDIS_REPLY_STATUS ? RedisReply::Type::status
                                                : RedisReply::Type::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

}  // namespace

void append_command(std::string& out, std::span<const std::string> args) {
  // The rate limiter's commands have a dozen arguments: no allocation for the pointer arrays.
  constexpr std::size_t kInline = 16;
  std::array<const char*, kInline> argv_inline;
  std::array<std::size_t, kInline> len_inline;
  std::vector<const char*> argv_heap;
  std::vector<std::size_t> len_heap;
  const char** argv = argv_inline.data();
  std::size_t* lens = len_inline.data();
  if (args.size() > kInline) {
    argv_heap.resize(args.size());
    len_heap.resize(args.size());
    argv = argv_heap.data();
    lens = len_heap.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  char* cmd = nullptr;
  int n = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv, lens);
  if (n < 0) throw std::bad_alloc();
  out.append(cmd, static_cast<std::size_t>(n));
  redisFreeCommand(cmd);
}

void RespReader::Free::operator()(redisReader* r) const {
  redisReaderFree(r);
}

RespReader::RespReader() : reader_(redisReaderCreate()) {
  if (!reader_) throw std::bad_alloc();
}

bool RespReader::feed(const char* data, std::size_t n) {
  if (!error_.empty()) return false;
  if (redisReaderFeed(reader_.get(), data, n) == REDIS_OK) return true;
  error_ = reader_->errstr[0] ? reader_->errstr : "cannot buffer the reply";
  return false;
}

std::optional<RedisReply> RespReader::next() {
  if (!error_.empty()) return std::nullopt;
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    error_ = reader_->errstr[0] ? reader_->errstr : "protocol error";
    return std::nullopt;
  }
  if (!raw) return std::nullopt;
  RedisReply reply = convert(*static_cast<const redisReply*>(raw));
  freeReplyObject(raw);
  return reply;
}

}  // namespace glmgate
