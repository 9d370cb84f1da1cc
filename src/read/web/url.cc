#include "url.h"

namespace vigil::read::web {

namespace {

bool scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void split_authority(std::string_view authority, UrlParts& parts) {
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close != std::string_view::npos) {
      parts.host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') {
        parts.port = authority.substr(close + 2);
      }
      return;
    }
  }
  const size_t colon = authority.find(':');
  if (colon != std::string_view::npos && authority.find(':', colon + 1) == std::string_view::npos &&
      all_digits(authority.substr(colon + 1))) {
    parts.host = authority.substr(0, colon);
    parts.port = authority.substr(colon + 1);
  } else {
    parts.host = authority;  // no port, a bare IPv6 address, or no host at all
  }
}

void split_path(std::string_view rest, UrlParts& parts) {
  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  parts.path_and_query = rest;
  const size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    parts.path = rest;
    return;
  }
  parts.path = rest.substr(0, q);
  parts.query = rest.substr(q + 1);
  parts.has_query = true;
}

}  // namespace

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  if (url.empty()) return parts;
  if (url[0] == '/') {
    split_path(url, parts);
    return parts;
  }
  size_t scheme_end = 0;
  while (scheme_end < url.size() && scheme_end < 32 && scheme_char(url[scheme_end])) ++scheme_end;
  if (scheme_end > 0 && url.substr(scheme_end).starts_with("://")) {
    parts.scheme = url.substr(0, scheme_end);
    const std::string_view rest = url.substr(scheme_end + 3);
    const size_t end = rest.find_first_of("/?#");
    split_authority(rest.substr(0, end), parts);
    if (end != std::string_view::npos) split_path(rest.substr(end), parts);
    return parts;
  }
  // CONNECT's host:port, or a bare host.
  const size_t end = url.find_first_of("/?#");
  split_authority(url.substr(0, end), parts);
  if (end != std::string_view::npos) split_path(url.substr(end), parts);
  return parts;
}

std::string_view path_extension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view segment = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = segment.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == segment.size()) return {};
  return segment.substr(dot + 1);
}

}  // namespace vigil::read::web
