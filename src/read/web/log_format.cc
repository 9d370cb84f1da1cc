#include "log_format.h"

#include <cstring>

#include "vigil/read/text/lines.h"

namespace vigil::read::web {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The shapes numbers take in access logs; '-' is what servers write for "none".
bool valid_value(Directive d, std::string_view value) {
  switch (d) {
    case Directive::kStatus: return value == "-" || (all_digits(value) && value.size() <= 3);
    case Directive::kBytesClf:
    case Directive::kBytes:
    case Directive::kBytesSent:
    case Directive::kBytesReceived:
    case Directive::kMicroseconds:
    case Directive::kPort: return value == "-" || all_digits(value);
    case Directive::kSeconds: {
      if (value == "-") return true;
      const size_t dot = value.find('.');
      if (dot == std::string_view::npos) return all_digits(value);
      return all_digits(value.substr(0, dot)) && all_digits(value.substr(dot + 1));
    }
    default: return true;
  }
}

// The first '"' at or after `from` that no backslash escapes (an odd run of
// backslashes before it escapes it).
size_t unescaped_quote(std::string_view text, size_t from) {
  while (from < text.size()) {
    const void* q = std::memchr(text.data() + from, '"', text.size() - from);
    if (q == nullptr) return std::string_view::npos;
    const size_t at = static_cast<size_t>(static_cast<const char*>(q) - text.data());
    size_t slashes = 0;
    while (at - slashes > from && text[at - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return at;
    from = at + 1;
  }
  return std::string_view::npos;
}

Error format_error(std::string_view text, size_t column, const std::string& what) {
  return make_error(Errc::kInvalidArgument, "web format \"" + std::string(text) + "\", column " +
                                                std::to_string(column + 1) + ": " + what);
}

}  // namespace

bool LogFormat::has(Directive d) const {
  for (const FormatItem& item : items) {
    if (!item.is_literal() && item.directive == d) return true;
  }
  return false;
}

bool LogFormat::has_header(std::string_view name) const {
  for (const FormatItem& item : items) {
    if (!item.is_literal() && item.directive == Directive::kRequestHeader &&
        equals_ignore_case(item.header, name)) {
      return true;
    }
  }
  return false;
}

Result<LogFormat> compile_log_format(std::string_view text) {
  LogFormat format;
  format.text = std::string(text);
  std::string literal;
  size_t last_directive_column = 0;
  auto flush_literal = [&] {
    if (literal.empty()) return;
    FormatItem item;
    item.literal = std::move(literal);
    format.items.push_back(std::move(item));
    literal.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    // Backslash escapes as written in an Apache configuration file.
    if (c == '\\' && i + 1 < text.size()) {
      const char e = text[i + 1];
      literal += e == 't' ? '\t' : e;
      if (e == 'n') return format_error(text, i, "a line break cannot be part of a line's format");
      i += 2;
      continue;
    }
    if (c != '%') {
      literal += c;
      ++i;
      continue;
    }
    const size_t column = i;
    ++i;
    if (i < text.size() && text[i] == '%') {
      literal += '%';
      ++i;
      continue;
    }
    // Modifiers: '<' / '>' (original or final request) and Apache's status
    // conditions ("%400,501{User-agent}i", "%!200r"), which only decide
    // whether the server writes '-'.
    while (i < text.size() &&
           (text[i] == '<' || text[i] == '>' || text[i] == '!' || text[i] == ',' ||
            (text[i] >= '0' && text[i] <= '9'))) {
      ++i;
    }
    std::string_view argument;
    bool has_argument = false;
    if (i < text.size() && text[i] == '{') {
      const size_t close = text.find('}', i);
      if (close == std::string_view::npos) return format_error(text, column, "'{' without '}'");
      argument = text.substr(i + 1, close - i - 1);
      has_argument = true;
      i = close + 1;
    }
    if (i >= text.size()) return format_error(text, column, "'%' at the end");
    const char letter = text[i++];
    FormatItem item;
    switch (letter) {
      case 'h': item.directive = Directive::kRemoteHost; break;
      case 'a': item.directive = Directive::kClientIp; break;
      case 'l': item.directive = Directive::kIdent; break;
      case 'u': item.directive = Directive::kUser; break;
      case 't': item.directive = Directive::kTime; break;
      case 'r': item.directive = Directive::kRequest; break;
      case 's': item.directive = Directive::kStatus; break;
      case 'b': item.directive = Directive::kBytesClf; break;
      case 'B': item.directive = Directive::kBytes; break;
      case 'O': item.directive = Directive::kBytesSent; break;
      case 'I': item.directive = Directive::kBytesReceived; break;
      case 'i': item.directive = Directive::kRequestHeader; break;
      case 'o': item.directive = Directive::kResponseHeader; break;
      case 'D': item.directive = Directive::kMicroseconds; break;
      case 'T': item.directive = Directive::kSeconds; break;
      case 'v':
      case 'V': item.directive = Directive::kServerName; break;
      case 'p': item.directive = Directive::kPort; break;
      case 'U': item.directive = Directive::kPath; break;
      case 'q': item.directive = Directive::kQuery; break;
      case 'm': item.directive = Directive::kMethod; break;
      case 'H': item.directive = Directive::kProtocol; break;
      default:
        return format_error(text, column,
                            std::string("directive %") + letter + " is not supported");
    }
    if (item.directive == Directive::kRequestHeader ||
        item.directive == Directive::kResponseHeader) {
      if (!has_argument || argument.empty()) {
        return format_error(text, column, std::string("%") + letter + " needs a header name: %{Name}" + letter);
      }
      item.header = std::string(argument);
    } else if (has_argument) {
      // %{c}a, %{c}h (the peer's address) and %{canonical}p keep their
      // meaning; a time format (%{...}t) or a unit (%{ms}T) changes the
      // text and is not understood.
      if (item.directive == Directive::kTime || item.directive == Directive::kSeconds) {
        return format_error(text, column, "%{...}" + std::string(1, letter) + " is not supported");
      }
    }
    // %q starts with '?' (or is empty), so it may follow a directive directly
    // ("%U%q"); any other pair would have no end for the first value.
    if (literal.empty() && !format.items.empty() && !format.items.back().is_literal() &&
        item.directive != Directive::kQuery) {
      return format_error(text, column,
                          "needs text between it and the directive at column " +
                              std::to_string(last_directive_column + 1));
    }
    flush_literal();
    last_directive_column = column;
    format.items.push_back(std::move(item));
  }
  flush_literal();
  if (!format.has(Directive::kTime)) {
    return format_error(text, 0, "no %t: every event needs its time");
  }
  for (size_t k = 0; k < format.items.size(); ++k) {
    FormatItem& item = format.items[k];
    if (item.is_literal()) continue;
    item.quoted = k > 0 && k + 1 < format.items.size() && format.items[k - 1].literal.ends_with('"') &&
                  format.items[k + 1].literal.starts_with('"');
  }
  return format;
}

std::span<const LogFormat> builtin_log_formats() {
  static const std::vector<LogFormat> kFormats = [] {
    std::vector<LogFormat> list;
    for (std::string_view text : {
             R"(%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i")",
             R"(%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i")",
             R"(%v:%p %h %l %u %t "%r" %>s %b)",
             R"(%v %h %l %u %t "%r" %>s %b)",
             R"(%h %l %u %t "%r" %>s %b)",
         }) {
      list.push_back(std::move(compile_log_format(text).value()));
    }
    return list;
  }();
  return kFormats;
}

bool match_line(const LogFormat& format, std::string_view line, LineMatch& match) {
  const std::vector<FormatItem>& items = format.items;
  match.values.resize(items.size());
  match.time = {};
  size_t pos = 0;
  auto fail = [&](size_t column, std::string_view expected) {
    match.fail_column = column;
    match.expected = expected;
    return false;
  };
  for (size_t i = 0; i < items.size(); ++i) {
    const FormatItem& item = items[i];
    if (item.is_literal()) {
      if (line.compare(pos, item.literal.size(), item.literal) != 0) return fail(pos, item.literal);
      pos += item.literal.size();
      continue;
    }
    const std::string_view rest = line.substr(pos);
    const std::string_view next =
        i + 1 < items.size() ? std::string_view(items[i + 1].literal) : std::string_view();
    size_t length = 0;
    if (item.directive == Directive::kTime) {
      if (rest.empty() || rest[0] != '[') return fail(pos, "[");
      const size_t close = rest.find(']');
      if (close == std::string_view::npos) return fail(pos, "]");
      match.time = parse_clf_time(rest.substr(1, close - 1));
      if (!match.time.is_set()) return fail(pos + 1, "a time as dd/Mon/yyyy:hh:mm:ss +hhmm");
      match.values[i] = rest.substr(1, close - 1);
      pos += close + 1;
      continue;
    }
    if (item.directive == Directive::kQuery) {
      // Empty, or '?' and the query up to the next literal (no space).
      if (!rest.starts_with('?')) {
        match.values[i] = rest.substr(0, 0);
        continue;
      }
    }
    const bool before_query = i + 1 < items.size() && !items[i + 1].is_literal();
    if (before_query) {
      // "%U%q": the path ends at the query's '?' or where the literal after
      // the query begins.
      const std::string_view after =
          i + 2 < items.size() ? std::string_view(items[i + 2].literal) : std::string_view();
      const void* space = std::memchr(rest.data(), ' ', rest.size());
      const size_t space_at =
          space ? static_cast<size_t>(static_cast<const char*>(space) - rest.data()) : rest.size();
      size_t end = rest.substr(0, space_at).find('?');
      if (end == std::string_view::npos) {
        end = after.empty() ? space_at
                            : rest.substr(0, std::min(rest.size(), space_at + after.size())).find(after);
        if (end == std::string_view::npos || end > space_at) return fail(pos + space_at, after);
      }
      if (end == 0) return fail(pos, "a value");
      match.values[i] = rest.substr(0, end);
      pos += end;
      continue;
    }
    if (item.quoted) {
      size_t at = unescaped_quote(rest, 0);
      while (at != std::string_view::npos && rest.compare(at, next.size(), next) != 0) {
        at = unescaped_quote(rest, at + 1);
      }
      if (at == std::string_view::npos) return fail(pos, next);
      length = at;
    } else {
      // Unquoted values hold no space: the value ends at the next literal
      // or, at the end of the format, at the first space.
      const void* space = std::memchr(rest.data(), ' ', rest.size());
      const size_t space_at =
          space ? static_cast<size_t>(static_cast<const char*>(space) - rest.data()) : rest.size();
      if (next.empty()) {
        length = space_at;
      } else {
        length = rest.substr(0, std::min(rest.size(), space_at + next.size())).find(next);
        if (length == std::string_view::npos || length > space_at) return fail(pos + space_at, next);
      }
      if (length == 0) return fail(pos, "a value");
    }
    const std::string_view value = rest.substr(0, length);
    if (!valid_value(item.directive, value)) {
      return fail(pos, item.directive == Directive::kStatus ? "a status code" : "a number");
    }
    match.values[i] = value;
    pos += length;
  }
  match.rest = line.substr(pos);
  return true;
}

Timestamp parse_clf_time(std::string_view t) {
  // dd/Mon/yyyy:hh:mm:ss +hhmm
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' ||
      t[17] != ':' || t[20] != ' ' || (t[21] != '+' && t[21] != '-')) {
    return {};
  }
  auto num = [&](size_t at, size_t n) -> int {
    int v = 0;
    for (size_t k = at; k < at + n; ++k) {
      if (t[k] < '0' || t[k] > '9') return -1;
      v = v * 10 + (t[k] - '0');
    }
    return v;
  };
  const int day = num(0, 2), year = num(7, 4), hour = num(12, 2), minute = num(15, 2),
            second = num(18, 2), off_h = num(22, 2), off_m = num(24, 2);
  const int month = month_from_abbreviation(t.substr(3, 3));
  if (day < 1 || day > 31 || month == 0 || year < 0 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60 || off_h < 0 || off_h > 23 || off_m < 0 ||
      off_m > 59) {
    return {};
  }
  const int64_t offset = (off_h * 3600 + off_m * 60) * (t[21] == '-' ? -1 : 1);
  const int64_t seconds = days_from_civil(year, static_cast<unsigned>(month),
                                          static_cast<unsigned>(day)) *
                              86400 +
                          hour * 3600 + minute * 60 + second - offset;
  return Timestamp::from_unix_seconds(seconds);
}

}  // namespace vigil::read::web
