// The Zeek format: recognition of both encodings, the per-file context, and
// the helpers the TSV and JSON halves share.

#include "vigil/read/zeek/zeek.h"

#include <algorithm>
#include <array>

#include "zeek_internal.h"

namespace vigil::read {

namespace zeek {

constexpr size_t kSniffLines = 64;

namespace {

bool digits_only(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string path_from_file_name(std::string_view file) {
  const std::string_view name = base_name(file);
  const size_t dot = name.find('.');
  const std::string_view stem = name.substr(0, dot);
  if (stem.empty() || stem.size() > 64 || dot == std::string_view::npos) return {};
  for (char c : stem) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return {};
  }
  return std::string(stem);
}

bool known_log_path(std::string_view path) {
  static constexpr std::array<std::string_view, 48> kPaths = {
      "analyzer",     "broker",       "capture_loss", "cluster",        "conn",
      "dce_rpc",      "dhcp",         "dnp3",         "dns",            "dpd",
      "files",        "ftp",          "http",         "intel",          "irc",
      "kerberos",     "known_certs",  "known_hosts",  "known_services", "ldap",
      "ldap_search",  "modbus",       "mysql",        "notice",         "ntlm",
      "ntp",          "ocsp",         "pe",           "quic",           "radius",
      "rdp",          "reporter",     "rfb",          "sip",            "smb_files",
      "smb_mapping",  "smtp",         "snmp",         "socks",          "software",
      "ssh",          "ssl",          "stats",        "syslog",         "tunnel",
      "weird",        "x509",         "loaded_scripts"};
  return std::find(kPaths.begin(), kPaths.end(), path) != kPaths.end();
}

Timestamp parse_epoch(std::string_view text) {
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

bool zeek_json_line(std::string_view line, bool zeek_file_name) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.size() < 2 || line.front() != '{' || line.back() != '}') return false;
  auto has = [&](std::string_view key) { return line.find(key) != std::string_view::npos; };
  const bool ts = has("\"ts\":");
  if (has("\"_path\":") && (ts || has("\"_write_ts\":"))) return true;
  if (ts && (has("\"uid\":") || has("\"id.orig_h\":"))) return true;
  // Nested-id exporters: "id":{"orig_h":...}.
  if (ts && has("\"orig_h\":")) return true;
  return ts && zeek_file_name;
}

}  // namespace zeek

namespace {

using zeek::ZeekContext;

class ZeekFormat final : public Format {
 public:
  std::string_view name() const override { return "zeek"; }

  int sniff(std::string_view head, std::string_view path) const override {
    size_t start = 0;
    while (start < head.size() && (head[start] == '\n' || head[start] == '\r')) ++start;
    const std::string_view text = head.substr(start);
    if (text.starts_with("#separator ")) return 95;
    if (text.starts_with("#set_separator") || text.starts_with("#fields\t") ||
        text.starts_with("#path\t")) {
      return 90;
    }
    const std::string from_name = zeek::path_from_file_name(path);
    const bool zeek_name = zeek::known_log_path(from_name);
    size_t lines = 0, good = 0, pos = 0;
    while (pos < text.size() && lines < zeek::kSniffLines) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) {
        if (lines > 0) break;  // the head may have cut the last line short
        nl = text.size();
      }
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      ++lines;
      good += zeek::zeek_json_line(line, zeek_name) ? 1 : 0;
    }
    if (lines == 0 || good == 0) return 0;
    if (good * 5 >= lines * 4) return 80;
    if (good * 2 >= lines) return 40;
    return 0;
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view head, const FileFacts& facts,
                                                  const ReadOptions&,
                                                  FieldNames& names) const override {
    auto context = std::make_shared<ZeekContext>();
    context->source_format_id = field::kSourceFormat;
    context->path_id = names.intern("_path");
    context->ts_id = names.intern("ts");
    size_t start = 0;
    while (start < head.size() && (head[start] == '\n' || head[start] == '\r' ||
                                   head[start] == ' ' || head[start] == '\t')) {
      ++start;
    }
    context->json = start < head.size() && head[start] == '{';
    if (!context->json) {
      if (auto r = zeek::read_tsv_header(head.substr(start), *context, names); !r.ok()) {
        return r.error();
      }
    }
    if (context->path.empty()) context->path = zeek::path_from_file_name(facts.path);
    return std::shared_ptr<const FileContext>(std::move(context));
  }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                      FieldNames& names) const override {
    auto zeek_context = std::static_pointer_cast<const ZeekContext>(context);
    if (zeek_context->json) return zeek::make_json_parser(std::move(zeek_context), names);
    return zeek::make_tsv_parser(std::move(zeek_context));
  }
};

}  // namespace

const Format& zeek_format() {
  static const ZeekFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
