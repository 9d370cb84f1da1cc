// Apache and Nginx access logs. The line layout is an Apache LogFormat: the
// user's (ReadOptions::web_format) or, when none is given, the built-in
// layout that fits most lines of the file's head, with the other built-in
// layouts tried on lines it does not fit.

#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common.h"
#include "log_format.h"
#include "vigil/read/text/lines.h"
#include "vigil/read/web/web.h"
#include "vigil/core/utf.h"

namespace vigil::read {

namespace {

using web::Directive;
using web::LogFormat;

constexpr std::string_view kSourceFormat = "webserver";
constexpr size_t kSniffLines = 64;

struct WebIds {
  explicit WebIds(FieldNames& n)
      : source_format(field::kSourceFormat),
        client_ip(n.intern("c-ip")),
        client_dns(n.intern("c-dns")),
        ident(n.intern("c-ident")),
        username(n.intern("cs-username")),
        method(n.intern("cs-method")),
        uri(n.intern("cs-uri")),
        uri_stem(n.intern("cs-uri-stem")),
        uri_query(n.intern("cs-uri-query")),
        version(n.intern("cs-version")),
        status(n.intern("sc-status")),
        bytes_sent(n.intern("sc-bytes")),
        bytes_received(n.intern("cs-bytes")),
        micros(n.intern("time-taken-us")),
        seconds(n.intern("time-taken-s")),
        sitename(n.intern("s-sitename")),
        host(n.intern("cs-host")),
        port(n.intern("s-port")),
        date(n.intern("date")),
        time(n.intern("time")),
        malformed(n.intern("x-request-malformed")),
        extra(n.intern("extra")) {}
  FieldId source_format, client_ip, client_dns, ident, username, method, uri, uri_stem, uri_query,
      version, status, bytes_sent, bytes_received, micros, seconds, sitename, host, port, date,
      time, malformed, extra;
};

// "cs-" / "sc-" and the header's name in lower case: Referer -> cs-referer,
// User-Agent -> cs-user-agent, the taxonomy's spelling.
std::string header_field(std::string_view prefix, std::string_view header) {
  std::string out(prefix);
  for (char c : header) out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// A format with the field each of its directives fills.
struct BoundFormat {
  const LogFormat* format = nullptr;
  std::vector<FieldId> fields;  // per item; kNoField for literals, %t and %r
  bool host_from_server_name = false;  // %v is also cs-host (no %{Host}i)
};

BoundFormat bind(const LogFormat& format, const WebIds& ids, FieldNames& names) {
  BoundFormat bound;
  bound.format = &format;
  bound.host_from_server_name = !format.has_header("Host");
  const bool has_client_ip = format.has(Directive::kClientIp);
  for (const web::FormatItem& item : format.items) {
    FieldId id = kNoField;
    if (!item.is_literal()) {
      switch (item.directive) {
        case Directive::kRemoteHost: id = has_client_ip ? ids.client_dns : ids.client_ip; break;
        case Directive::kClientIp: id = ids.client_ip; break;
        case Directive::kIdent: id = ids.ident; break;
        case Directive::kUser: id = ids.username; break;
        case Directive::kTime:
        case Directive::kRequest: break;
        case Directive::kStatus: id = ids.status; break;
        case Directive::kBytesClf:
        case Directive::kBytes:
        case Directive::kBytesSent: id = ids.bytes_sent; break;
        case Directive::kBytesReceived: id = ids.bytes_received; break;
        case Directive::kRequestHeader: id = names.intern(header_field("cs-", item.header)); break;
        case Directive::kResponseHeader: id = names.intern(header_field("sc-", item.header)); break;
        case Directive::kMicroseconds: id = ids.micros; break;
        case Directive::kSeconds: id = ids.seconds; break;
        case Directive::kServerName: id = ids.sitename; break;
        case Directive::kPort: id = ids.port; break;
        case Directive::kPath: id = ids.uri_stem; break;
        case Directive::kQuery: id = ids.uri_query; break;
        case Directive::kMethod: id = ids.method; break;
        case Directive::kProtocol: id = ids.version; break;
      }
    }
    bound.fields.push_back(id);
  }
  return bound;
}

class WebContext final : public FileContext {
 public:
  explicit WebContext(FieldNames& names) : ids(names) {}
  WebIds ids;
  std::optional<LogFormat> user;    // the user's format, when given
  std::vector<BoundFormat> formats;  // tried in this order
};

bool method_token(std::string_view method) {
  if (method.empty() || method.size() > 32) return false;
  for (char c : method) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

class WebParser final : public BlockParser {
 public:
  explicit WebParser(std::shared_ptr<const WebContext> context) : context_(std::move(context)) {
    scratch_.reserve(256);
  }

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const bool ascii = vigil::is_ascii(block);
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t number,
                                                 uint64_t offset) {
      if (web::is_blank(line)) return;
      event_.clear();
      event_.source = {input, number, offset, false};
      bool repaired = false;
      if (!ascii) line = valid_utf8_or_repaired(line, event_, repaired);
      const BoundFormat* fit = nullptr;
      for (const BoundFormat& bound : context_->formats) {
        if (web::match_line(*bound.format, line, match_)) {
          fit = &bound;
          break;
        }
        if (&bound == &context_->formats.front()) {
          first_fail_column_ = match_.fail_column;
          first_expected_ = match_.expected;
        }
      }
      if (fit == nullptr) {
        sink.on_issue({number, offset, reject_reason()});
        return;
      }
      if (repaired) {
        sink.on_issue({number, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
      }
      emit(*fit);
      sink.on_event(event_);
    });
  }

 private:
  std::string reject_reason() const {
    const LogFormat& first = *context_->formats.front().format;
    std::string why;
    if (context_->user) {
      why.append("does not match the web format \"").append(first.text).append("\"");
    } else {
      why.append("not an access log line in a known layout");
    }
    why.append(": expected ");
    const bool quote = first_expected_.size() == 1;
    if (quote) why.push_back('\'');
    why.append(first_expected_);
    if (quote) why.push_back('\'');
    why.append(" at column ").append(std::to_string(first_fail_column_ + 1));
    return why;
  }

  // Apache writes '"' and '\' inside quoted values as \" and \\; other
  // escapes (\xhh for bytes that are not printable) stay as written, which
  // is also how rules spell them.
  std::string_view unescape(std::string_view value) {
    if (std::memchr(value.data(), '\\', value.size()) == nullptr) return value;
    scratch_.clear();
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\')) {
        scratch_ += value[++i];
      } else {
        scratch_ += value[i];
      }
    }
    return event_.store(scratch_);
  }

  void add(FieldId id, std::string_view text) { event_.add(id, Value::utf8(text)); }

  void add_time(Timestamp t) {
    event_.timestamp = t;
    const CivilTime c = to_civil(t);
    // "yyyy-mm-dd hh:mm:ss": date and time are views into one stored copy.
    char buffer[40];
    char* p = buffer;
    auto put = [&](int64_t v, int width) {
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v < 0 ? -v : v);
      (void)ec;
      if (v < 0) *p++ = '-';
      for (int pad = width - static_cast<int>(end - digits); pad > 0; --pad) *p++ = '0';
      std::memcpy(p, digits, static_cast<size_t>(end - digits));
      p += end - digits;
    };
    put(c.year, 4);
    *p++ = '-';
    put(c.month, 2);
    *p++ = '-';
    put(c.day, 2);
    const size_t date_size = static_cast<size_t>(p - buffer);
    *p++ = ' ';
    put(c.hour, 2);
    *p++ = ':';
    put(c.minute, 2);
    *p++ = ':';
    put(c.second, 2);
    const std::string_view both = event_.store(std::string_view(buffer, static_cast<size_t>(p - buffer)));
    add(context_->ids.date, both.substr(0, date_size));
    add(context_->ids.time, both.substr(date_size + 1));
  }

  // METHOD URI PROTOCOL; a request line of another shape (scanners send
  // TLS handshakes and garbage to port 80) is kept whole as cs-uri and
  // flagged, not rejected: it is evidence.
  void add_request(std::string_view request) {
    const WebIds& ids = context_->ids;
    if (request == "-" || request.empty()) return;
    request = unescape(request);
    const size_t space = request.find(' ');
    std::string_view method, uri, version;
    bool well_formed = space != std::string_view::npos && method_token(request.substr(0, space));
    if (well_formed) {
      method = request.substr(0, space);
      uri = request.substr(space + 1);
      const size_t last = uri.rfind(' ');
      if (last != std::string_view::npos && uri.substr(last + 1).starts_with("HTTP/")) {
        version = uri.substr(last + 1);
        uri = uri.substr(0, last);
      }
      well_formed = !uri.empty() && uri[0] != ' ';
    }
    if (!well_formed) {
      add(ids.uri, request);
      add(ids.malformed, "true");
      return;
    }
    add(ids.method, method);
    add(ids.uri, uri);
    const size_t question = uri.find('?');
    add(ids.uri_stem, uri.substr(0, question));
    if (question != std::string_view::npos) add(ids.uri_query, uri.substr(question + 1));
    if (!version.empty()) add(ids.version, version);
  }

  void emit(const BoundFormat& bound) {
    const WebIds& ids = context_->ids;
    const std::vector<web::FormatItem>& items = bound.format->items;
    event_.reserve_more(items.size() + 8);
    add(ids.source_format, kSourceFormat);
    for (size_t i = 0; i < items.size(); ++i) {
      const web::FormatItem& item = items[i];
      if (item.is_literal()) continue;
      std::string_view value = match_.values[i];
      if (item.directive == Directive::kTime) {
        add_time(match_.time);
        continue;
      }
      if (item.directive == Directive::kRequest) {
        add_request(value);
        continue;
      }
      // '-' is how servers write "nothing": the field is left out. An empty
      // quoted value ("") is kept as an empty field.
      if (value == "-") continue;
      if (item.quoted) value = unescape(value);
      if (item.directive == Directive::kQuery) {
        if (value.starts_with('?')) value.remove_prefix(1);
        if (value.empty()) continue;
      }
      add(bound.fields[i], value);
      if (item.directive == Directive::kServerName && bound.host_from_server_name) {
        add(ids.host, value);
      }
    }
    const std::string_view rest = web::trim_spaces(match_.rest);
    if (!rest.empty()) add(ids.extra, rest);
  }

  std::shared_ptr<const WebContext> context_;
  Event event_;
  web::LineMatch match_;
  std::string scratch_;
  size_t first_fail_column_ = 0;
  std::string_view first_expected_;
};

class WebFormat final : public Format {
 public:
  std::string_view name() const override { return "web"; }

  int sniff(std::string_view head, std::string_view) const override {
    const auto builtins = web::builtin_log_formats();
    web::LineMatch match;
    size_t lines = 0, good = 0;
    web::for_each_head_line(head, kSniffLines, [&](std::string_view line) {
      ++lines;
      for (const LogFormat& f : builtins) {
        if (web::match_line(f, line, match)) {
          ++good;
          break;
        }
      }
    });
    return web::share_score(good, lines, 85);
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view head, const FileFacts&,
                                                  const ReadOptions& options,
                                                  FieldNames& names) const override {
    auto context = std::make_shared<WebContext>(names);
    if (!options.web_format.empty()) {
      auto compiled = web::compile_log_format(options.web_format);
      if (!compiled.ok()) return compiled.take_error();
      context->user = std::move(compiled.value());
      // The user's layout first; the built-in ones after it, so that a
      // folder mixing the user's logs with ordinary ones reads both.
      context->formats.push_back(bind(*context->user, context->ids, names));
      for (const LogFormat& builtin : web::builtin_log_formats()) {
        context->formats.push_back(bind(builtin, context->ids, names));
      }
      return std::shared_ptr<const FileContext>(std::move(context));
    }
    // The layout most head lines fit comes first; ties go to the more
    // specific layout (earlier in the list).
    const auto builtins = web::builtin_log_formats();
    std::vector<size_t> fits(builtins.size(), 0);
    web::LineMatch match;
    web::for_each_head_line(head, kSniffLines, [&](std::string_view line) {
      for (size_t i = 0; i < builtins.size(); ++i) {
        if (web::match_line(builtins[i], line, match)) {
          ++fits[i];
          break;
        }
      }
    });
    size_t best = 0;
    for (size_t i = 1; i < builtins.size(); ++i) {
      if (fits[i] > fits[best]) best = i;
    }
    context->formats.push_back(bind(builtins[best], context->ids, names));
    for (size_t i = 0; i < builtins.size(); ++i) {
      if (i != best) context->formats.push_back(bind(builtins[i], context->ids, names));
    }
    return std::shared_ptr<const FileContext>(std::move(context));
  }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                      FieldNames&) const override {
    return std::make_unique<WebParser>(std::static_pointer_cast<const WebContext>(context));
  }
};

}  // namespace

const Format& web_format() {
  static const WebFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
