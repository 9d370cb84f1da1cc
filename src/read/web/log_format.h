#pragma once
// Apache LogFormat strings, compiled into literal text and directives, and
// access-log lines matched against them in one pass without backtracking.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/core/timestamp.h"

namespace vigil::read::web {

enum class Directive : uint8_t {
  kRemoteHost,      // %h
  kClientIp,        // %a
  kIdent,           // %l
  kUser,            // %u
  kTime,            // %t, written as [10/Oct/2000:13:55:36 -0700]
  kRequest,         // %r, the request line
  kStatus,          // %s, %>s, %<s
  kBytesClf,        // %b ('-' for none)
  kBytes,           // %B
  kBytesSent,       // %O
  kBytesReceived,   // %I
  kRequestHeader,   // %{X}i
  kResponseHeader,  // %{X}o
  kMicroseconds,    // %D
  kSeconds,         // %T
  kServerName,      // %v, %V
  kPort,            // %p
  kPath,            // %U
  kQuery,           // %q (with its '?')
  kMethod,          // %m
  kProtocol,        // %H
};

struct FormatItem {
  std::string literal;  // literal text; empty for a directive
  Directive directive = Directive::kRemoteHost;
  std::string header;   // %{X}i, %{X}o: X
  // Between '"' literals: the value may hold spaces and backslash-escaped
  // quotes, and ends at the first unescaped '"' the next literal follows.
  bool quoted = false;
  bool is_literal() const { return !literal.empty(); }
};

struct LogFormat {
  std::string text;
  std::vector<FormatItem> items;
  bool has(Directive d) const;
  bool has_header(std::string_view name) const;  // %{name}i, case-insensitive
};

// Unsupported directives, and two directives with no text between them (no
// way to tell where the first ends), are errors naming the column.
Result<LogFormat> compile_log_format(std::string_view text);

// Apache's and Nginx's usual layouts, in the order they are tried when the
// user gives none: vhost_combined, combined, vhost common with and without
// port, common. Nginx's "combined" and "main" are Apache's combined (main's
// trailing "$http_x_forwarded_for" is left over text).
std::span<const LogFormat> builtin_log_formats();

struct LineMatch {
  std::vector<std::string_view> values;  // per item (directives only), as written
  std::string_view rest;                 // text after the end of the format
  Timestamp time;                        // of %t
  // Where the line stopped matching, and what the format wanted there.
  size_t fail_column = 0;
  std::string_view expected;
};

// Matches a whole line; false with fail_column and expected set otherwise.
// `match.values` is resized once per format and reused.
bool match_line(const LogFormat& format, std::string_view line, LineMatch& match);

// "10/Oct/2000:13:55:36 -0700" (the inside of %t's brackets) in UTC, or an
// unset Timestamp when it is not that shape.
Timestamp parse_clf_time(std::string_view text);

}  // namespace vigil::read::web
