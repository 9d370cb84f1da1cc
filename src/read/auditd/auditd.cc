#include "vigil/read/auditd/auditd.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "grouping.h"
#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "vigil/read/text/lines.h"

namespace vigil::read {

namespace {

using auditd::EventGrouper;
using auditd::HeaderStatus;
using auditd::RecordHeader;

constexpr std::string_view kSourceFormat = "auditd";

// How an unquoted value of a field is read.
enum class Encoding : uint8_t {
  kPlain,      // as written (numbers, flags, "(null)", "?")
  kHex,        // hex-encoded text when it looks like hex
  kProctitle,  // hex-encoded NUL-separated arguments
  kKeys,       // hex-encoded audit rule keys separated by 0x01
};

// Fields whose values auditd hex-encodes when they hold a space, a quote or
// a control character (untrusted strings: auparse's "escaped" fields); it
// writes them in double quotes otherwise. EXECVE arguments are classified by
// the caller. Dispatched on the first letter: this runs for every field.
Encoding encoding_of(std::string_view key) {
  if (key.empty()) return Encoding::kPlain;
  bool hex = false;
  switch (key[0]) {
    case 'a': hex = key == "acct"; break;
    case 'c': hex = key == "comm" || key == "cwd" || key == "cmd" || key == "cgroup"; break;
    case 'd': hex = key == "data" || key == "dir" || key == "device"; break;
    case 'e': hex = key == "exe"; break;
    case 'f': hex = key == "file"; break;
    case 'g': hex = key == "grp"; break;
    case 'k': return key == "key" ? Encoding::kKeys : Encoding::kPlain;
    case 'n':
      hex = key == "name" || key == "new_group" || key == "new-disk" || key == "new-fs" ||
            key == "new-net" || key == "new-rng" || key == "new-chardev";
      break;
    case 'o':
      hex = key == "ocomm" || key == "old-disk" || key == "old-fs" || key == "old-net" ||
            key == "old-rng" || key == "old-chardev";
      break;
    case 'p':
      if (key == "proctitle") return Encoding::kProctitle;
      hex = key == "path";
      break;
    case 'r': hex = key == "root_dir"; break;
    case 's': hex = key == "sw"; break;
    case 'v': hex = key == "vm"; break;
    case 'w': hex = key == "watch"; break;
    default: break;
  }
  return hex ? Encoding::kHex : Encoding::kPlain;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

uint8_t hex_value(char c) {
  if (c <= '9') return static_cast<uint8_t>(c - '0');
  if (c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  return static_cast<uint8_t>(c - 'a' + 10);
}

// An unquoted value auditd wrote in hex ("(null)", "?" and numbers with an
// odd digit count are not).
bool looks_hex(std::string_view value) {
  if (value.size() < 2 || value.size() % 2 != 0) return false;
  for (char c : value) {
    if (!is_hex_digit(c)) return false;
  }
  return true;
}

void append_hex_decoded(std::string& out, std::string_view hex) {
  const size_t start = out.size();
  out.resize(start + hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out[start + i / 2] = static_cast<char>(hex_value(hex[i]) << 4 | hex_value(hex[i + 1]));
  }
}

// Names auditd gives record fields: letters, digits, '_', '-', and the
// brackets of EXECVE's a1[0]. Anything else is free text between fields
// (SELinux's "avc:  denied  { read } for").
bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

// EXECVE's argument keys: "a<N>" (whole) or "a<N>[<I>]" (chunk I of a long one).
// Returns the length of the "a<N>" part, 0 when the key is neither.
size_t argument_key_length(std::string_view key) {
  if (key.size() < 2 || key[0] != 'a') return 0;
  size_t i = 1;
  while (i < key.size() && key[i] >= '0' && key[i] <= '9') ++i;
  if (i == 1) return 0;
  if (i == key.size()) return i;
  if (key[i] != '[' || key.back() != ']' || key.size() < i + 3) return 0;
  for (size_t j = i + 1; j + 1 < key.size(); ++j) {
    if (key[j] < '0' || key[j] > '9') return 0;
  }
  return i;
}

class AuditdContext final : public FileContext {};

// Field ids by name for one parser: record fields are named by the log, so
// they are interned as they come, each once (FieldNames takes a lock). Open
// addressing over views of FieldNames' own (stable) copies of the names.
class NameCache {
 public:
  explicit NameCache(FieldNames& names) : names_(names), slots_(64) {}

  FieldId id(std::string_view name) {
    const uint64_t head = head_word(name);
    const uint64_t h = hash(name, head);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask; slots_[i].id != kNoField; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.head == head && slot.name.size() == name.size() &&
          (name.size() <= 8 || slot.name.substr(8) == name.substr(8))) {
        return slot.id;
      }
    }
    const FieldId id = names_.intern(name);
    // A cache, not a limit: names past it are still interned, only slower.
    if (used_ < kMaxCached) {
      if (2 * (used_ + 1) > slots_.size()) grow();
      insert({names_.name(id), head, h, id});
      ++used_;
    }
    return id;
  }

 private:
  static constexpr size_t kMaxCached = 4096;
  struct Slot {
    std::string_view name;
    uint64_t head = 0;  // the first eight bytes: most names are no longer
    uint64_t hash = 0;
    FieldId id = kNoField;
  };

  static uint64_t head_word(std::string_view s) {
    uint64_t w = 0;
    const size_t n = std::min<size_t>(s.size(), 8);
    for (size_t i = 0; i < n; ++i) w |= uint64_t{static_cast<uint8_t>(s[i])} << (8 * i);
    return w;
  }
  static uint64_t hash(std::string_view s, uint64_t head) {
    uint64_t h = head ^ (s.size() * 0x9E3779B97F4A7C15ull);
    for (size_t i = 8; i < s.size(); ++i) h = (h ^ static_cast<uint8_t>(s[i])) * 1099511628211ull;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
  }
  void insert(const Slot& slot) {
    const size_t mask = slots_.size() - 1;
    size_t i = slot.hash & mask;
    while (slots_[i].id != kNoField) i = (i + 1) & mask;
    slots_[i] = slot;
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.id != kNoField) insert(s);
    }
  }

  FieldNames& names_;
  std::vector<Slot> slots_;  // size a power of two, at most half full
  size_t used_ = 0;
};

// Audit logs are nearly all ASCII: eight bytes at a time before the full check.
bool valid_utf8_line(std::string_view line) {
  size_t i = 0;
  uint64_t high = 0;
  for (; i + 8 <= line.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, line.data() + i, 8);
    high |= word;
  }
  for (; i < line.size(); ++i) high |= static_cast<uint8_t>(line[i]);
  return (high & 0x8080808080808080ull) == 0 || is_valid_utf8(line);
}

class AuditdCutRule final : public CutRule {
 public:
  bool cut_before(std::string_view line) override {
    RecordHeader header;
    const bool record = auditd::parse_header(line, header) == HeaderStatus::kOk;
    return grouper_
        .line(
            record ? &header : nullptr, line.size() + 1, [](size_t) {}, [](size_t) {})
        .boundary;
  }

 private:
  EventGrouper grouper_;
};

class AuditdParser final : public BlockParser {
 public:
  explicit AuditdParser(FieldNames& names)
      : names_(names),
        source_format_(names.intern("_source_format")),
        type_(names.intern("type")),
        msg_(names.intern("msg")),
        key_(names.intern("key")),
        proctitle_(names.intern("proctitle")),
        seresult_(names.intern("seresult")),
        seperms_(names.intern("seperms")),
        saddr_fam_(names.intern("saddr_fam")),
        laddr_(names.intern("laddr")),
        lport_(names.intern("lport")),
        path_(names.intern("path")) {}

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    input_ = input;
    sink_ = &sink;
    auto close = [this](size_t slot) { emit(slot); };
    for_each_line(
        block, block_offset, sink, [&](std::string_view line, uint64_t number, uint64_t offset) {
          RecordHeader header;
          const HeaderStatus status = auditd::parse_header(line, header);
          if (status != HeaderStatus::kOk) {
            grouper_.line(
                nullptr, line.size() + 1, [](size_t) {}, close);
            if (status == HeaderStatus::kTimeOutOfRange) {
              sink.on_issue({number, offset, "auditd record time is after the year 9999; skipped"});
            } else if (line.find_first_not_of(" \t") != std::string_view::npos) {
              sink.on_issue({number, offset,
                             "not an auditd record (expected \"type=TYPE "
                             "msg=audit(SECONDS.MILLISECONDS:SERIAL): ...\"); skipped"});
            }
            return;
          }
          const Record record{line, header, number, offset, !valid_utf8_line(line)};
          if (record.bad_utf8)
            sink.on_issue({number, offset, "invalid UTF-8 replaced with U+FFFD"});
          grouper_.line(
              &header, line.size() + 1, [&](size_t slot) { pending_[slot].push_back(record); },
              close);
        });
    grouper_.close_all(close);
    sink_ = nullptr;
  }

 private:
  struct Record {
    std::string_view line;
    RecordHeader header;
    uint64_t number = 0;
    uint64_t offset = 0;
    bool bad_utf8 = false;
  };

  // How a run of key=value text is read.
  enum class Section : uint8_t {
    kRecord,    // a record's own fields: quoting and hex encoding as auditd writes them
    kMessage,   // inside msg='...' of a user-space record: the same, without nested msg
    kEnriched,  // after 0x1d: upper-case names, values already interpreted
  };

  // Builds and delivers the event of one slot's records.
  void emit(size_t slot) {
    std::vector<Record>& records = pending_[slot];
    bool only_end = true;
    for (const Record& r : records) only_end = only_end && r.header.type == "EOE";
    // An EOE alone (its event's other records were cut off by a forced
    // boundary) says nothing.
    if (records.empty() || only_end) {
      records.clear();
      return;
    }
    Event& event = event_;
    event.clear();
    const Record& first = records.front();
    event.source.source_id = input_;
    event.source.record_id = first.number;
    event.source.offset = first.offset;
    event.timestamp = Timestamp::from_unix_seconds(static_cast<int64_t>(first.header.seconds),
                                                   first.header.nanos);
    fields_dropped_ = false;
    add(source_format_, kSourceFormat);
    for (size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      RecordHeader header = r.header;
      line_repaired_ = false;
      if (r.bad_utf8) {
        const std::string_view repaired = valid_utf8_or_repaired(r.line, event, line_repaired_);
        auditd::parse_header(repaired, header);  // the header is ASCII: it parses the same
      }
      if (i == 0 && !header.node.empty()) add(field::kComputer, header.node);
      add(type_, header.type);
      add_record_fields(header.type, header.body);
      if (line_repaired_ && !r.bad_utf8) {
        sink_->on_issue({r.number, r.offset,
                         "hex-encoded value is not UTF-8: invalid bytes replaced with U+FFFD"});
      }
    }
    flush_long_argument();
    if (fields_dropped_) {
      sink_->on_issue({first.number, first.offset,
                       "auditd event has more than " +
                           std::to_string(limits::kTextMaxFieldsPerEvent) +
                           " fields; the rest are dropped"});
    }
    records.clear();
    sink_->on_event(event);
  }

  void add(FieldId name, std::string_view text) {
    if (event_.size() >= limits::kTextMaxFieldsPerEvent) {
      fields_dropped_ = true;
      return;
    }
    add_text(event_, name, text);
  }

  // Decoded or built text: kept in the event, repaired when not UTF-8.
  void add_built(FieldId name, std::string_view bytes) {
    if (event_.size() >= limits::kTextMaxFieldsPerEvent) {
      fields_dropped_ = true;
      return;
    }
    const std::string_view stored = event_.store(bytes);
    add_text(event_, name, valid_utf8_or_repaired(stored, event_, line_repaired_));
  }

  void add_record_fields(std::string_view type, std::string_view body) {
    const size_t separator = body.find('\x1d');
    std::string_view own = body.substr(0, separator);
    execve_ = type == "EXECVE";
    sockaddr_ = type == "SOCKADDR";
    if (own.starts_with("avc:")) own = add_avc_verdict(own.substr(4));
    add_pairs(own, Section::kRecord);
    // A long argument may go on in the next EXECVE record.
    if (!execve_) flush_long_argument();
    if (separator != std::string_view::npos) {
      execve_ = sockaddr_ = false;
      add_pairs(body.substr(separator + 1), Section::kEnriched);
    }
  }

  // SELinux: "avc:  denied  { read write } for  pid=..." gives seresult and
  // seperms (auparse's names); returns the text after the braces.
  std::string_view add_avc_verdict(std::string_view text) {
    const size_t word = text.find_first_not_of(' ');
    if (word == std::string_view::npos) return {};
    const size_t word_end = std::min(text.find(' ', word), text.size());
    add(seresult_, text.substr(word, word_end - word));
    text.remove_prefix(word_end);
    const size_t open = text.find_first_not_of(' ');
    if (open == std::string_view::npos || text[open] != '{') return text;
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) return text;
    std::string_view perms = text.substr(open + 1, close - open - 1);
    while (!perms.empty() && perms.front() == ' ') perms.remove_prefix(1);
    while (!perms.empty() && perms.back() == ' ') perms.remove_suffix(1);
    add(seperms_, perms);
    return text.substr(close + 1);
  }

  void add_pairs(std::string_view text, Section section) {
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
      while (i < n && text[i] == ' ') ++i;
      const size_t key_begin = i;
      while (i < n && text[i] != '=' && text[i] != ' ') ++i;
      if (i >= n || text[i] == ' ') continue;  // a word, not a field
      const std::string_view key = text.substr(key_begin, i - key_begin);
      ++i;
      std::string_view value;
      bool quoted = false;
      bool message = false;
      if (i < n && text[i] == '"') {
        // auditd never writes a '"' inside a quoted value: it hex-encodes those.
        const size_t close = text.find('"', i + 1);
        const size_t end = close == std::string_view::npos ? n : close;
        value = text.substr(i + 1, end - i - 1);
        i = close == std::string_view::npos ? n : close + 1;
        quoted = true;
      } else if (i < n && text[i] == '\'' && section == Section::kRecord) {
        // msg='...' of user-space records ends at the record's last quote.
        const size_t close = text.rfind('\'');
        const size_t end = close > i ? close : n;
        value = text.substr(i + 1, end - i - 1);
        i = close > i ? close + 1 : n;
        message = true;
      } else if (i < n && text[i] == '{' && section == Section::kEnriched) {
        // SADDR={ saddr_fam=inet laddr=10.0.0.1 lport=53 }
        const size_t close = text.find('}', i);
        const size_t end = close == std::string_view::npos ? n : close + 1;
        value = text.substr(i, end - i);
        i = end;
      } else {
        const size_t end = std::min(text.find(' ', i), n);
        value = text.substr(i, end - i);
        i = end;
      }
      if (!valid_key(key)) continue;
      if (message && key == "msg") {
        const size_t before = event_.size();
        add_pairs(value, Section::kMessage);
        if (event_.size() == before) add(msg_, value);  // free text, no fields in it
        continue;
      }
      if (event_.size() >= limits::kTextMaxFieldsPerEvent) {
        // Dropped before its name is interned: names come from the log.
        fields_dropped_ = true;
        continue;
      }
      add_value(key, value, quoted || section == Section::kEnriched);
    }
  }

  void add_value(std::string_view key, std::string_view value, bool literal) {
    const size_t argument = execve_ ? argument_key_length(key) : 0;
    const bool chunk = argument != 0 && argument < key.size();
    if (long_argument_started_ && !(chunk && key.substr(0, argument) == long_argument_key_)) {
      flush_long_argument();
    }
    if (chunk) {
      // a1_len=N a1[0]=... a1[1]=...: one argument too long for one record,
      // each piece quoted or hex-encoded like a whole argument.
      if (!long_argument_started_) long_argument_key_.assign(key.substr(0, argument));
      if (literal) {
        long_argument_.append(value);
      } else if (looks_hex(value)) {
        append_hex_decoded(long_argument_, value);
      }
      long_argument_started_ = true;
      return;
    }
    if (literal) {
      add(names_cache_.id(key), value);
      return;
    }
    const Encoding encoding = argument != 0 ? Encoding::kHex : encoding_of(key);
    if (encoding == Encoding::kPlain || !looks_hex(value)) {
      add(names_cache_.id(key), value);
      if (sockaddr_ && key == "saddr") add_socket_address(value);
      return;
    }
    scratch_.clear();
    append_hex_decoded(scratch_, value);
    switch (encoding) {
      case Encoding::kPlain:
      case Encoding::kHex:
        for (char& c : scratch_) c = c == '\0' ? ' ' : c;
        add_built(names_cache_.id(key), scratch_);
        break;
      case Encoding::kProctitle:
        // The command line as the process sees it: arguments NUL-separated.
        while (!scratch_.empty() && scratch_.back() == '\0') scratch_.pop_back();
        for (char& c : scratch_) c = c == '\0' ? ' ' : c;
        add_built(proctitle_, scratch_);
        break;
      case Encoding::kKeys: {
        // Several keys of one audit rule, separated by 0x01.
        std::string_view keys = scratch_;
        for (;;) {
          const size_t sep = keys.find('\x01');
          add_built(key_, keys.substr(0, sep));
          if (sep == std::string_view::npos) break;
          keys.remove_prefix(sep + 1);
        }
        break;
      }
    }
  }

  void flush_long_argument() {
    if (!long_argument_started_) return;
    for (char& c : long_argument_) c = c == '\0' ? ' ' : c;
    add_built(names_cache_.id(long_argument_key_), long_argument_);
    long_argument_.clear();
    long_argument_started_ = false;
  }

  // SOCKADDR's saddr is the raw struct sockaddr: its family, address and port
  // become saddr_fam, laddr and lport (and path for local sockets), the names
  // auditd's enriched format uses.
  void add_socket_address(std::string_view hex) {
    if (!looks_hex(hex) || hex.size() < 4) return;
    std::array<uint8_t, 128> raw{};
    const size_t size = std::min(raw.size(), hex.size() / 2);
    for (size_t i = 0; i < size; ++i) {
      raw[i] = static_cast<uint8_t>(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
    }
    // The family is in the byte order of the host that wrote the log; Linux
    // hosts running auditd are little-endian nearly always.
    const unsigned family = raw[0] | raw[1] << 8;
    char text[INET6_ADDRSTRLEN] = {};
    auto add_port = [&] {
      char digits[8];
      const unsigned port = static_cast<unsigned>(raw[2]) << 8 | raw[3];
      const char* end = std::to_chars(digits, digits + sizeof digits, port).ptr;
      add_built(lport_, std::string_view(digits, static_cast<size_t>(end - digits)));
    };
    if (family == AF_INET && size >= 8) {
      add(saddr_fam_, "inet");
      if (inet_ntop(AF_INET, raw.data() + 4, text, sizeof text)) add_built(laddr_, text);
      add_port();
    } else if (family == AF_INET6 && size >= 24) {
      add(saddr_fam_, "inet6");
      if (inet_ntop(AF_INET6, raw.data() + 8, text, sizeof text)) add_built(laddr_, text);
      add_port();
    } else if (family == AF_UNIX) {
      add(saddr_fam_, "local");
      std::string_view path(reinterpret_cast<const char*>(raw.data()) + 2, size - 2);
      if (!path.empty() && path.front() == '\0') {
        // Abstract socket: the name is every byte after the leading NUL.
        scratch_.clear();
        scratch_.push_back('@');
        scratch_.append(path.data() + 1, path.size() - 1);
        for (char& c : scratch_) c = c == '\0' ? ' ' : c;
        add_built(path_, scratch_);
      } else if (!path.empty()) {
        add_built(path_, path.substr(0, path.find('\0')));
      }
    } else if (family == AF_NETLINK) {
      add(saddr_fam_, "netlink");
    }
  }

  FieldNames& names_;
  NameCache names_cache_{names_};
  const FieldId source_format_, type_, msg_, key_, proctitle_, seresult_, seperms_, saddr_fam_,
      laddr_, lport_, path_;
  EventGrouper grouper_;
  std::array<std::vector<Record>, EventGrouper::kSlots> pending_;
  Event event_;
  EventSink* sink_ = nullptr;
  uint32_t input_ = 0;
  std::string scratch_;
  std::string long_argument_;
  std::string long_argument_key_;
  bool long_argument_started_ = false;
  bool execve_ = false;
  bool sockaddr_ = false;
  bool line_repaired_ = false;
  bool fields_dropped_ = false;
};

class AuditdFormat final : public Format {
 public:
  std::string_view name() const override { return kSourceFormat; }

  int sniff(std::string_view head, std::string_view) const override {
    // Most of the first lines must be records: one stray record in another
    // log is not an audit log.
    int lines = 0;
    int records = 0;
    size_t pos = 0;
    while (pos < head.size() && lines < 32) {
      size_t end = head.find('\n', pos);
      if (end == std::string_view::npos) end = head.size();
      std::string_view line = head.substr(pos, end - pos);
      pos = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      ++lines;
      RecordHeader header;
      records += auditd::parse_header(line, header) == HeaderStatus::kOk ? 1 : 0;
    }
    if (records == 0) return 0;
    if (records * 10 >= lines * 9) return 95;
    if (records * 2 >= lines) return 70;
    return 20;
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions&, FieldNames&) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<AuditdContext>());
  }

  std::unique_ptr<CutRule> cut_rule() const override { return std::make_unique<AuditdCutRule>(); }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext>,
                                      FieldNames& names) const override {
    return std::make_unique<AuditdParser>(names);
  }
};

}  // namespace

const Format& auditd_format() {
  static const AuditdFormat format;
  return format;
}

}  // namespace vigil::read
