// Apache httpd error logs. A line is
//   [time] [module:level] [pid P:tid T] file.c(L): (status)text: [client A:P] AHnnnnn: msg
// in 2.4 (the parts after [pid] only when they apply, the module empty for
// messages of unknown origin) and
//   [time] [level] [client A] msg
// in 2.2, with ", referer: R" after messages about a request. The prefix
// parts are taken in any order, each once, so that both versions (and
// ErrorLogFormat variants that keep these parts) read.

#include <string>

#include "common.h"
#include "vigil/read/text/lines.h"
#include "vigil/read/weberror/weberror.h"
#include "vigil/core/utf.h"

namespace vigil::read {

namespace {

using weberror::CivilParts;
using weberror::fixed_digits;
using weberror::is_digit;
using weberror::is_lower;
using weberror::Shape;

constexpr std::string_view kSourceFormat = "apache-error";
constexpr size_t kSniffLines = 200;
// Bounds on the bracketed parts, far above what Apache writes, so that a
// hostile line costs no more than a look at its start.
constexpr size_t kMaxLevelBracket = 64;
constexpr size_t kMaxAddress = 128;
constexpr size_t kMaxSourceFile = 128;
constexpr size_t kMaxStatusText = 256;

struct ApacheLine {
  Timestamp time;
  std::string_view level, module, pid, tid, source_file, source_line, os_error_code, os_error,
      client_ip, client_port, remote_ip, remote_port, error_code, message, referer;
  bool module_form = false;  // [module:level]: 2.4, whose addresses carry a port
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool known_level(std::string_view level) {
  for (std::string_view known :
       {"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}) {
    if (level == known) return true;
  }
  return level.size() == 6 && level.starts_with("trace") && level[5] >= '1' && level[5] <= '8';
}

// "[Www Mmm dd hh:mm:ss[.uuuuuu] yyyy]" (ctime, with microseconds from 2.4's
// %{u}t) or "[yyyy-mm-dd hh:mm:ss[.uuuuuu]]" (%{cu}t); `pos` after the ']'.
Shape apache_time(std::string_view s, size_t& pos, Timestamp& time, const char*& reason) {
  if (s.size() < 21 || s[0] != '[') return Shape::kNone;
  CivilParts p;
  unsigned year = 0;
  size_t q;
  if (is_digit(s[1])) {
    if (!fixed_digits(s, 1, 4, year) || s[5] != '-' || !fixed_digits(s, 6, 2, p.month) ||
        s[8] != '-' || !fixed_digits(s, 9, 2, p.day) || (s[11] != ' ' && s[11] != 'T')) {
      return Shape::kNone;
    }
    q = 12;
  } else {
    if (!is_alpha(s[1]) || !is_alpha(s[2]) || !is_alpha(s[3]) || s[4] != ' ' || !is_alpha(s[5]) ||
        !is_alpha(s[6]) || !is_alpha(s[7]) || s[8] != ' ' || !(is_digit(s[9]) || s[9] == ' ') ||
        !is_digit(s[10]) || s[11] != ' ') {
      return Shape::kNone;
    }
    p.day = static_cast<unsigned>(s[10] - '0') + (s[9] == ' ' ? 0u : 10u * (s[9] - '0'));
    q = 12;
  }
  if (!fixed_digits(s, q, 2, p.hour) || s[q + 2] != ':' || !fixed_digits(s, q + 3, 2, p.minute) ||
      s[q + 5] != ':' || !fixed_digits(s, q + 6, 2, p.second)) {
    return Shape::kNone;
  }
  q += 8;
  if (!weberror::fraction(s, q, p.fraction_ticks)) return Shape::kNone;
  if (!is_digit(s[1])) {
    if (q + 6 > s.size() || s[q] != ' ' || !fixed_digits(s, q + 1, 4, year)) return Shape::kNone;
    q += 5;
    p.month = static_cast<unsigned>(month_from_abbreviation(s.substr(5, 3)));
  }
  if (q >= s.size() || s[q] != ']') return Shape::kNone;
  pos = q + 1;
  p.year = static_cast<int>(year);
  if (p.month == 0) {
    reason = "unknown month name in the time";
    return Shape::kBad;
  }
  if (const char* why = weberror::to_timestamp(p, time)) {
    reason = why;
    return Shape::kBad;
  }
  return Shape::kOk;
}

Shape apache_shape(std::string_view line) {
  size_t pos = 0;
  Timestamp time;
  const char* reason = nullptr;
  return apache_time(line, pos, time, reason);
}

void skip_space(std::string_view s, size_t& pos) {
  if (pos < s.size() && s[pos] == ' ') ++pos;
}

// "[level]" or "[module:level]" at `pos`.
bool level_bracket(std::string_view s, size_t& pos, ApacheLine& out) {
  if (pos >= s.size() || s[pos] != '[') return false;
  const size_t close = s.substr(pos, kMaxLevelBracket).find(']');
  if (close == std::string_view::npos) return false;
  const std::string_view content = s.substr(pos + 1, close - 1);
  const size_t colon = content.find(':');
  std::string_view module, level = content;
  if (colon != std::string_view::npos) {
    module = content.substr(0, colon);
    level = content.substr(colon + 1);
    for (char c : module) {
      if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '-' && c != '.') return false;
    }
    if (level.empty()) return false;
    for (char c : level) {
      if (!is_lower(c) && !is_digit(c)) return false;
    }
  } else if (!known_level(level)) {
    return false;
  }
  out.module = module;
  out.level = level;
  out.module_form = colon != std::string_view::npos;
  pos += close + 1;
  skip_space(s, pos);
  return true;
}

// Up to `max` decimal digits at `pos`; `pos` after them.
std::string_view digits_at(std::string_view s, size_t& pos, size_t max) {
  const size_t start = pos;
  while (pos < s.size() && pos - start < max && is_digit(s[pos])) ++pos;
  return s.substr(start, pos - start);
}

// "[pid P]" or "[pid P:tid T]".
bool pid_bracket(std::string_view s, size_t& pos, ApacheLine& out) {
  if (s.compare(pos, 5, "[pid ") != 0) return false;
  size_t p = pos + 5;
  const std::string_view pid = digits_at(s, p, 20);
  if (pid.empty()) return false;
  std::string_view tid;
  if (s.compare(p, 5, ":tid ") == 0) {
    p += 5;
    tid = digits_at(s, p, 20);
    if (tid.empty()) return false;
  }
  if (p >= s.size() || s[p] != ']') return false;
  out.pid = pid;
  out.tid = tid;
  pos = p + 1;
  skip_space(s, pos);
  return true;
}

// "[client A]" or "[remote A]". 2.4 writes the port after the address's last
// ':' (an IPv6 address is not bracketed), 2.2 no port.
bool address_bracket(std::string_view s, size_t& pos, ApacheLine& out) {
  const bool client = s.compare(pos, 8, "[client ") == 0;
  if (!client && s.compare(pos, 8, "[remote ") != 0) return false;
  const size_t start = pos + 8;
  const std::string_view window = s.substr(start, kMaxAddress);
  const size_t close = window.find(']');
  if (close == std::string_view::npos || close == 0) return false;
  std::string_view address = window.substr(0, close), port;
  if (address.find(' ') != std::string_view::npos) return false;
  const size_t colon = address.rfind(':');
  const bool ipv4_with_port = colon != std::string_view::npos && address.find(':') == colon;
  if (colon != std::string_view::npos && (out.module_form || ipv4_with_port)) {
    size_t p = colon + 1;
    const std::string_view digits = digits_at(address, p, 5);
    if (!digits.empty() && p == address.size()) {
      port = digits;
      address = address.substr(0, colon);
    }
  }
  (client ? out.client_ip : out.remote_ip) = address;
  (client ? out.client_port : out.remote_port) = port;
  pos = start + close + 1;
  skip_space(s, pos);
  return true;
}

// "file.c(123): ", which 2.4 writes at the debug levels.
bool source_location(std::string_view s, size_t& pos, ApacheLine& out) {
  size_t p = pos;
  bool dot = false;
  while (p < s.size() && p - pos < kMaxSourceFile) {
    const char c = s[p];
    if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '-' && c != '.' && c != '/') break;
    dot |= c == '.';
    ++p;
  }
  if (p == pos || !dot || p >= s.size() || s[p] != '(') return false;
  const std::string_view file = s.substr(pos, p - pos);
  ++p;
  const std::string_view line = digits_at(s, p, 10);
  if (line.empty() || s.compare(p, 3, "): ") != 0) return false;
  out.source_file = file;
  out.source_line = line;
  pos = p + 3;
  return true;
}

// "(13)Permission denied: ": the APR or OS status of the failure.
bool status(std::string_view s, size_t& pos, ApacheLine& out) {
  if (pos >= s.size() || s[pos] != '(') return false;
  size_t p = pos + 1;
  const size_t code_start = p;
  if (p < s.size() && s[p] == '-') ++p;
  const size_t digits_start = p;
  digits_at(s, p, 10);
  if (p == digits_start || p >= s.size() || s[p] != ')') return false;
  const std::string_view code = s.substr(code_start, p - code_start);
  ++p;
  const size_t end = s.substr(p, kMaxStatusText).find(": ");
  if (end == std::string_view::npos || end == 0) return false;
  out.os_error_code = code;
  out.os_error = s.substr(p, end);
  pos = p + end + 2;
  return true;
}

// "AH01234: ", the number 2.4 gives each of its messages.
bool error_code(std::string_view s, size_t& pos, ApacheLine& out) {
  if (s.compare(pos, 2, "AH") != 0) return false;
  unsigned number = 0;
  if (!fixed_digits(s, pos + 2, 5, number) || pos + 7 >= s.size() || s[pos + 7] != ':') {
    return false;
  }
  out.error_code = s.substr(pos, 7);
  pos += 8;
  skip_space(s, pos);
  return true;
}

Shape parse_apache(std::string_view s, ApacheLine& out, const char*& reason) {
  out = ApacheLine{};
  size_t pos = 0;
  const Shape shape = apache_time(s, pos, out.time, reason);
  if (shape != Shape::kOk) return shape;
  skip_space(s, pos);
  level_bracket(s, pos, out);
  bool pid = false, address = false, location = false, os = false;
  for (;;) {
    if (!pid && pid_bracket(s, pos, out)) {
      pid = true;
    } else if (!address && address_bracket(s, pos, out)) {
      address = true;
    } else if (!location && source_location(s, pos, out)) {
      location = true;
    } else if (!os && status(s, pos, out)) {
      os = true;
    } else {
      error_code(s, pos, out);
      break;
    }
  }
  out.message = s.substr(pos);
  // Apache appends the request's Referer to messages about a request.
  if (address) {
    const size_t at = out.message.find(", referer: ");
    if (at != std::string_view::npos) {
      out.referer = out.message.substr(at + 11);
      out.message = out.message.substr(0, at);
    }
  }
  return Shape::kOk;
}

struct ApacheIds {
  explicit ApacheIds(FieldNames& n)
      : level(n.intern("level")),
        module(n.intern("module")),
        pid(n.intern("pid")),
        tid(n.intern("tid")),
        source_file(n.intern("source_file")),
        source_line(n.intern("source_line")),
        os_error_code(n.intern("os_error_code")),
        os_error(n.intern("os_error")),
        client_ip(n.intern("client_ip")),
        client_port(n.intern("client_port")),
        remote_ip(n.intern("remote_ip")),
        remote_port(n.intern("remote_port")),
        error_code(n.intern("error_code")),
        message(n.intern("message")),
        referer(n.intern("referer")),
        headerless(n.intern("headerless")) {}
  FieldId level, module, pid, tid, source_file, source_line, os_error_code, os_error, client_ip,
      client_port, remote_ip, remote_port, error_code, message, referer, headerless;
};

class ApacheParser final : public BlockParser {
 public:
  explicit ApacheParser(FieldNames& names) : ids_(names) { event_.reserve_more(20); }

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const bool ascii = vigil::is_ascii(block);
    weberror::HeaderlessRun run;
    Timestamp last_time;
    for_each_line(block, block_offset, sink,
                  [&](std::string_view line, uint64_t no, uint64_t offset) {
                    const size_t raw_size = line.size();
                    event_.clear();
                    bool repaired = false;
                    // Repairing touches only bytes >= 0x80, which no header has: the
                    // shape of the line stays what the cut rule saw.
                    if (!ascii) line = valid_utf8_or_repaired(line, event_, repaired);
                    const char* reason = nullptr;
                    const Shape shape = parse_apache(line, line_, reason);
                    if (shape == Shape::kNone) {
                      const bool inherits = run.inherits();
                      run.headerless(raw_size);
                      if (weberror::is_blank(line)) return;
                      if (repaired)
                        sink.on_issue({no, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
                      event_.source = {input, no, offset, false};
                      if (inherits) event_.timestamp = last_time;
                      add_text(event_, field::kSourceFormat, kSourceFormat);
                      add_text(event_, ids_.message, line);
                      add_text(event_, ids_.headerless, "true");
                      sink.on_event(event_);
                      return;
                    }
                    run.header();
                    if (shape == Shape::kBad) {
                      last_time = Timestamp{};
                      sink.on_issue({no, offset, std::string(reason) + "; line skipped"});
                      return;
                    }
                    last_time = line_.time;
                    if (repaired)
                      sink.on_issue({no, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
                    emit(input, no, offset);
                    sink.on_event(event_);
                  });
  }

 private:
  void add(FieldId id, std::string_view text) {
    if (!text.empty()) add_text(event_, id, text);
  }

  void emit(uint32_t input, uint64_t no, uint64_t offset) {
    const ApacheLine& l = line_;
    event_.source = {input, no, offset, false};
    event_.timestamp = l.time;
    add_text(event_, field::kSourceFormat, kSourceFormat);
    add(ids_.level, l.level);
    add(ids_.module, l.module);
    add(ids_.pid, l.pid);
    add(ids_.tid, l.tid);
    add(ids_.source_file, l.source_file);
    add(ids_.source_line, l.source_line);
    add(ids_.os_error_code, l.os_error_code);
    add(ids_.os_error, l.os_error);
    add(ids_.client_ip, l.client_ip);
    add(ids_.client_port, l.client_port);
    add(ids_.remote_ip, l.remote_ip);
    add(ids_.remote_port, l.remote_port);
    add(ids_.error_code, l.error_code);
    add_text(event_, ids_.message, l.message);
    add(ids_.referer, l.referer);
  }

  ApacheIds ids_;
  Event event_;
  ApacheLine line_;
};

class ApacheErrorFormat final : public Format {
 public:
  std::string_view name() const override { return kSourceFormat; }

  int sniff(std::string_view head, std::string_view) const override {
    size_t lines = 0, good = 0;
    ApacheLine l;
    weberror::for_each_head_line(head, kSniffLines, [&](std::string_view line) {
      ++lines;
      const char* reason = nullptr;
      // A time alone is not enough: the level names the format.
      if (parse_apache(line, l, reason) == Shape::kOk && known_level(l.level)) ++good;
    });
    return weberror::share_score(good, lines);
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions&, FieldNames&) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<FileContext>());
  }

  std::unique_ptr<CutRule> cut_rule() const override {
    return std::make_unique<weberror::HeaderCutRule<apache_shape>>();
  }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext>,
                                      FieldNames& names) const override {
    return std::make_unique<ApacheParser>(names);
  }
};

}  // namespace

const Format& apache_error_format() {
  static const ApacheErrorFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
