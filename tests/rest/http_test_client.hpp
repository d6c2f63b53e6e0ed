// A minimal blocking HTTP/1.1 client over POSIX sockets for the REST
// server tests: every read has a timeout (SO_RCVTIMEO), so a server that
// hangs fails the test instead of hanging it. Parses responses with a
// Content-Length body (all the server sends).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::test {

struct http_reply {
  unsigned status = 0;
  /// Lower-case names.
  std::map<std::string, std::string> headers;
  std::string body;
};

inline std::string http_request(const std::string& method, const std::string& target,
                                const std::string& body = {}, const std::string& extra = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra;
  if (!body.empty() || method == "POST" || method == "PATCH")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

class test_connection {
public:
  explicit test_connection(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }

  ~test_connection() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  test_connection(const test_connection&) = delete;
  test_connection& operator=(const test_connection&) = delete;

  bool connected() const {
    return connected_;
  }

  /// Sends everything; false when the peer is gone or the send timed out.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  /// No more requests from this side (the server sees end of stream).
  void shutdown_send() {
    ::shutdown(fd_, SHUT_WR);
  }

  /// The next response; nullopt on close, timeout or a malformed response.
  std::optional<http_reply> read_reply() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill())
        return std::nullopt;
    http_reply r;
    std::string_view head{buffer_.data(), end};
    auto line_end = head.find("\r\n");
    auto status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12)
      return std::nullopt;
    r.status = static_cast<unsigned>(std::stoul(std::string{status_line.substr(9, 3)}));
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      auto line = head.substr(0, line_end);
      auto colon = line.find(':');
      if (colon == std::string_view::npos)
        return std::nullopt;
      std::string name{line.substr(0, colon)};
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      r.headers[name] = std::string{value};
    }
    size_t length = 0;
    if (auto i = r.headers.find("content-length"); i != r.headers.end())
      length = std::stoul(i->second);
    else if (r.status >= 200 && r.status != 204 && r.status != 304)
      return std::nullopt; // the server always sends Content-Length
    buffer_.erase(0, end + 4);
    while (buffer_.size() < length)
      if (!fill())
        return std::nullopt;
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  /// Whether the connection is still open at this moment: nothing to read
  /// and no end of stream, without waiting.
  bool open_now() {
    char c;
    auto n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  /// Whether the server closed the connection (reads end of stream within
  /// the timeout, discarding anything still unread).
  bool closed_by_peer() {
    char scratch[4096];
    for (;;) {
      auto n = ::recv(fd_, scratch, sizeof scratch, 0);
      if (n == 0)
        return true;
      if (n < 0)
        return errno == ECONNRESET;
    }
  }

  /// Bytes received but not yet parsed.
  const std::string& unread() const {
    return buffer_;
  }

private:
  bool fill() {
    char chunk[16384];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0)
      return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

} // namespace sluice::test
