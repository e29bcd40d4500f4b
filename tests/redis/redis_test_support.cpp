// Redis test support; see redis_test_support.hpp.
#include "redis_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "core/random.hpp"

namespace glmgate::test {

RedisUrl shared_redis() {
  const char* url = std::getenv("GLMGATE_TEST_REDIS_URL");
  if (!url || !*url)
    throw std::runtime_error("GLMGATE_TEST_REDIS_URL is not set: run under scripts/with_redis.sh");
  auto parsed = parse_redis_url(url);
  if (!parsed.url) throw std::runtime_error("GLMGATE_TEST_REDIS_URL: " + parsed.error);
  return *parsed.url;
}

std::string unique(const std::string& prefix) {
  return random_id(prefix + "_", 12);
}

namespace {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

OwnRedis::OwnRedis(std::string tls_name) : tls_(!tls_name.empty()) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "glmgate-redis-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  password_ = random_id("pw", 24);
  port_ = free_port();
  std::ofstream conf(dir_ + "/redis.conf");
  if (tls_) {
    const std::string make_cert = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout " +
                                  dir_ + "/key.pem -out " + cert_file() + " -subj /CN=" + tls_name +
                                  " -addext subjectAltName=DNS:" + tls_name + " >/dev/null 2>&1";
    if (std::system(make_cert.c_str()) != 0) throw std::runtime_error("openssl req failed");
    conf << "port 0\ntls-port " << port_ << "\ntls-cert-file " << cert_file() << "\ntls-key-file "
         << dir_ << "/key.pem\ntls-auth-clients no\n";
  } else {
    conf << "port " << port_ << "\n";
  }
  conf << "bind 127.0.0.1\ndir " << dir_ << "\npidfile " << dir_ << "/redis.pid\nlogfile " << dir_
       << "/redis.log\ndaemonize no\nsave \"\"\n"
       << "appendonly no\nrequirepass " << password_ << "\n";
  conf.close();
  start();
}

OwnRedis::~OwnRedis() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    kill();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

RedisUrl OwnRedis::url() const {
  RedisUrl url;
  url.host = "127.0.0.1";
  url.port = port_;
  url.password = password_;
  url.tls = tls_;
  return url;
}

void OwnRedis::start() {
  const std::string conf = dir_ + "/redis.conf";  // made before fork: the child only execs
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::execlp("redis-server", "redis-server", conf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (accepts(port_)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start (is it installed?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("redis-server did not accept connections within 5 s");
}

void OwnRedis::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void OwnRedis::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace glmgate::test
