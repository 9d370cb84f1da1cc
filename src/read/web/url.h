#pragma once
// Splitting the URLs of access logs into the parts Sigma's proxy and
// webserver fields name. Views into the URL; nothing is decoded, because
// rules look for the encoded forms attackers send (%2e%2e%2f, ...).

#include <string_view>

namespace vigil::read::web {

struct UrlParts {
  std::string_view scheme;          // "http"; empty for "/path" and "host:port"
  std::string_view host;            // without user info, port or IPv6 brackets
  std::string_view port;            // as written; empty when none
  std::string_view path;            // from the first '/' to '?' or '#'
  std::string_view query;           // after '?', up to '#'
  std::string_view path_and_query;  // what an origin server sees: path?query
  bool has_query = false;           // a '?' was there (the query may be empty)
};

// "scheme://[user@]host[:port]/path?query#fragment", "/path?query" (origin
// form) and "host:port" (CONNECT's authority form). Anything else: as much
// as fits, never a failure.
UrlParts split_url(std::string_view url);

// The extension of the path's last segment ("exe" of "/a/setup.exe"), empty
// when the segment has no '.' or ends with one.
std::string_view path_extension(std::string_view path);

}  // namespace vigil::read::web
