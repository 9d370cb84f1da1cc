// Squid's native access.log:
//   time elapsed client action/code size method URL ident hierarchy/from type
// separated by runs of spaces (elapsed is padded). Fields get the names of
// Sigma's proxy taxonomy; the native format has no user agent, so
// c-useragent is never set (a rule testing c-useragent: '' must not fire on
// every line).

#include <array>
#include <cstring>

#include "common.h"
#include "url.h"
#include "vigil/read/text/lines.h"
#include "vigil/read/web/web.h"
#include "vigil/core/utf.h"

namespace vigil::read {

namespace {

constexpr std::string_view kSourceFormat = "proxy";
constexpr size_t kSquidFields = 10;
constexpr size_t kSniffLines = 64;

struct SquidIds {
  explicit SquidIds(FieldNames& n)
      : source_format(field::kSourceFormat),
        elapsed(n.intern("time-taken")),
        src_ip(n.intern("src_ip")),
        action(n.intern("s-action")),
        status(n.intern("sc-status")),
        bytes(n.intern("sc-bytes")),
        method(n.intern("cs-method")),
        uri(n.intern("c-uri")),
        host(n.intern("cs-host")),
        uri_stem(n.intern("c-uri-stem")),
        uri_query(n.intern("c-uri-query")),
        uri_extension(n.intern("c-uri-extension")),
        path_and_query(n.intern("cs-uri")),
        username(n.intern("cs-username")),
        hierarchy(n.intern("s-hierarchy")),
        dst_ip(n.intern("dst_ip")),
        content_type(n.intern("sc-content-type")),
        extra(n.intern("extra")) {}
  FieldId source_format, elapsed, src_ip, action, status, bytes, method, uri, host, uri_stem,
      uri_query, uri_extension, path_and_query, username, hierarchy, dst_ip, content_type, extra;
};

class SquidContext final : public FileContext {
 public:
  explicit SquidContext(FieldNames& names) : ids(names) {}
  SquidIds ids;
};

bool digits_only(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The first kSquidFields space-separated fields; `rest` is what follows
// them. Returns how many fields there were (at most kSquidFields).
size_t split_fields(std::string_view line, std::array<std::string_view, kSquidFields>& fields,
                    std::string_view& rest) {
  size_t n = 0, pos = 0;
  while (n < kSquidFields) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    if (pos >= line.size()) break;
    const void* space = std::memchr(line.data() + pos, ' ', line.size() - pos);
    const size_t end =
        space ? static_cast<size_t>(static_cast<const char*>(space) - line.data()) : line.size();
    fields[n++] = line.substr(pos, end - pos);
    pos = end;
  }
  rest = web::trim_spaces(line.substr(std::min(pos, line.size())));
  return n;
}

// "1286536309.450": Unix seconds with an optional fraction.
Timestamp parse_unix_time(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  if (!digits_only(whole) || whole.size() > 12) return {};
  int64_t seconds = 0;
  for (char c : whole) seconds = seconds * 10 + (c - '0');
  uint32_t nanos = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = text.substr(dot + 1);
    if (!digits_only(fraction)) return {};
    uint32_t scale = 100'000'000;
    for (size_t i = 0; i < fraction.size() && i < 9; ++i) {
      nanos += static_cast<uint32_t>(fraction[i] - '0') * scale;
      scale /= 10;
    }
  }
  return Timestamp::from_unix_seconds(seconds, nanos);
}

// "TCP_MISS/200": an upper-case code, '/', a status of digits.
bool result_code(std::string_view field, std::string_view& action, std::string_view& status) {
  const size_t slash = field.find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  for (char c : field.substr(0, slash)) {
    if (!((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'))) return false;
  }
  action = field.substr(0, slash);
  status = field.substr(slash + 1);
  return digits_only(status) && status.size() <= 3;
}

// What sniffing and parsing both require of a line.
bool squid_shape(const std::array<std::string_view, kSquidFields>& f, size_t n,
                 std::string_view& action, std::string_view& status) {
  if (n < kSquidFields) return false;
  const std::string_view elapsed = f[1].starts_with('-') ? f[1].substr(1) : f[1];
  return digits_only(elapsed) && result_code(f[3], action, status) && digits_only(f[4]);
}

class SquidParser final : public BlockParser {
 public:
  explicit SquidParser(std::shared_ptr<const SquidContext> context)
      : context_(std::move(context)) {}

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const SquidIds& ids = context_->ids;
    const bool ascii = vigil::is_ascii(block);
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t number,
                                                 uint64_t offset) {
      if (web::is_blank(line)) return;
      event_.clear();
      event_.source = {input, number, offset, false};
      bool repaired = false;
      if (!ascii) line = valid_utf8_or_repaired(line, event_, repaired);
      std::string_view rest, action, status;
      const size_t n = split_fields(line, fields_, rest);
      if (n < kSquidFields) {
        sink.on_issue({number, offset,
                       std::to_string(n) + " space-separated fields; Squid's native log has 10"});
        return;
      }
      const Timestamp time = parse_unix_time(fields_[0]);
      if (!time.is_set()) {
        sink.on_issue({number, offset, "time \"" + std::string(fields_[0].substr(0, 40)) +
                                           "\" is not Unix seconds"});
        return;
      }
      if (!squid_shape(fields_, n, action, status)) {
        sink.on_issue({number, offset,
                       "not a Squid native log line (elapsed time, result code ACTION/status and "
                       "size expected in fields 2, 4 and 5)"});
        return;
      }
      if (repaired) {
        sink.on_issue({number, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
      }
      event_.timestamp = time;
      event_.reserve_more(20);
      add(ids.source_format, kSourceFormat);
      add(ids.elapsed, fields_[1]);
      add(ids.src_ip, fields_[2]);
      add(ids.action, action);
      add(ids.status, status);
      add(ids.bytes, fields_[4]);
      add_unless_dash(ids.method, fields_[5]);
      add_url(fields_[6]);
      add_unless_dash(ids.username, fields_[7]);
      const std::string_view hierarchy = fields_[8];
      const size_t slash = hierarchy.find('/');
      add_unless_dash(ids.hierarchy, hierarchy.substr(0, slash));
      if (slash != std::string_view::npos) add_unless_dash(ids.dst_ip, hierarchy.substr(slash + 1));
      add_unless_dash(ids.content_type, fields_[9]);
      if (!rest.empty()) add(ids.extra, rest);
      sink.on_event(event_);
    });
  }

 private:
  void add(FieldId id, std::string_view text) { event_.add(id, Value::utf8(text)); }
  void add_unless_dash(FieldId id, std::string_view text) {
    if (!text.empty() && text != "-") add(id, text);
  }

  void add_url(std::string_view url) {
    const SquidIds& ids = context_->ids;
    if (url.empty() || url == "-") return;
    add(ids.uri, url);
    const web::UrlParts parts = web::split_url(url);
    if (!parts.host.empty()) add(ids.host, parts.host);
    if (!parts.path.empty()) {
      add(ids.uri_stem, parts.path);
      const std::string_view extension = web::path_extension(parts.path);
      if (!extension.empty()) add(ids.uri_extension, extension);
    }
    if (parts.has_query) add(ids.uri_query, parts.query);
    if (!parts.path_and_query.empty()) add(ids.path_and_query, parts.path_and_query);
  }

  std::shared_ptr<const SquidContext> context_;
  Event event_;
  std::array<std::string_view, kSquidFields> fields_;
};

class SquidFormat final : public Format {
 public:
  std::string_view name() const override { return "squid"; }

  int sniff(std::string_view head, std::string_view) const override {
    size_t lines = 0, good = 0;
    std::array<std::string_view, kSquidFields> fields;
    web::for_each_head_line(head, kSniffLines, [&](std::string_view line) {
      ++lines;
      std::string_view rest, action, status;
      const size_t n = split_fields(line, fields, rest);
      // Squid writes the time as seconds.milliseconds.
      if (squid_shape(fields, n, action, status) && parse_unix_time(fields[0]).is_set() &&
          fields[0].find('.') != std::string_view::npos) {
        ++good;
      }
    });
    return web::share_score(good, lines, 90);
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions&,
                                                  FieldNames& names) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<SquidContext>(names));
  }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                      FieldNames&) const override {
    return std::make_unique<SquidParser>(std::static_pointer_cast<const SquidContext>(context));
  }
};

}  // namespace

const Format& squid_format() {
  static const SquidFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
