// Nginx error logs. A line is
//   yyyy/mm/dd hh:mm:ss [level] pid#tid: *connection message, client: A, server: S, ...
// where the connection number and the trailing "key: value" list (which the
// http, stream and mail modules append about the connection) are there only
// when the message is about a connection.

#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "vigil/core/text_map.h"
#include "vigil/core/utf.h"
#include "vigil/read/text/lines.h"
#include "vigil/read/weberror/weberror.h"

namespace vigil::read {

namespace {

using weberror::CivilParts;
using weberror::fixed_digits;
using weberror::is_digit;
using weberror::is_lower;
using weberror::Shape;

constexpr std::string_view kSourceFormat = "nginx-error";
constexpr size_t kSniffLines = 200;
constexpr size_t kMaxLevel = 16;
constexpr size_t kMaxKey = 32;
// Where ", client: " occurs more than once (a message quoting a path that
// holds it), the trailing list is the first place from which the rest of the
// line reads as one; the tries are bounded so that a hostile line costs a
// few passes, not one per occurrence.
constexpr int kTailTries = 8;

bool known_level(std::string_view level) {
  for (std::string_view known :
       {"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}) {
    if (level == known) return true;
  }
  return false;
}

struct TailEntry {
  std::string_view key, value;
};

struct NginxLine {
  Timestamp time;
  std::string_view level, pid, tid, connection, message;
};

// "yyyy/mm/dd hh:mm:ss [level] ": the header, `pos` after it.
Shape nginx_header(std::string_view s, size_t& pos, NginxLine& out, const char*& reason) {
  if (s.size() < 23) return Shape::kNone;
  CivilParts p;
  unsigned year = 0;
  if (!fixed_digits(s, 0, 4, year) || s[4] != '/' || !fixed_digits(s, 5, 2, p.month) ||
      s[7] != '/' || !fixed_digits(s, 8, 2, p.day) || s[10] != ' ' ||
      !fixed_digits(s, 11, 2, p.hour) || s[13] != ':' || !fixed_digits(s, 14, 2, p.minute) ||
      s[16] != ':' || !fixed_digits(s, 17, 2, p.second) || s[19] != ' ' || s[20] != '[') {
    return Shape::kNone;
  }
  size_t q = 21;
  while (q < s.size() && q - 21 < kMaxLevel && is_lower(s[q])) ++q;
  if (q == 21 || q >= s.size() || s[q] != ']') return Shape::kNone;
  out.level = s.substr(21, q - 21);
  pos = q + 1;
  if (pos < s.size() && s[pos] == ' ') ++pos;
  p.year = static_cast<int>(year);
  if (const char* why = weberror::to_timestamp(p, out.time)) {
    reason = why;
    return Shape::kBad;
  }
  return Shape::kOk;
}

Shape nginx_shape(std::string_view line) {
  size_t pos = 0;
  NginxLine l;
  const char* reason = nullptr;
  return nginx_header(line, pos, l, reason);
}

std::string_view digits_at(std::string_view s, size_t& pos, size_t max) {
  const size_t start = pos;
  while (pos < s.size() && pos - start < max && is_digit(s[pos])) ++pos;
  return s.substr(start, pos - start);
}

Shape parse_nginx(std::string_view s, NginxLine& out, const char*& reason) {
  out = NginxLine{};
  size_t pos = 0;
  const Shape shape = nginx_header(s, pos, out, reason);
  if (shape != Shape::kOk) return shape;
  // "pid#tid: "
  size_t p = pos;
  const std::string_view pid = digits_at(s, p, 20);
  if (!pid.empty() && p < s.size() && s[p] == '#') {
    ++p;
    const std::string_view tid = digits_at(s, p, 20);
    if (!tid.empty() && p < s.size() && s[p] == ':') {
      out.pid = pid;
      out.tid = tid;
      pos = p + 1;
      if (pos < s.size() && s[pos] == ' ') ++pos;
    }
  }
  // "*connection "
  if (pos < s.size() && s[pos] == '*') {
    p = pos + 1;
    const std::string_view connection = digits_at(s, p, 20);
    if (!connection.empty() && p < s.size() && s[p] == ' ') {
      out.connection = connection;
      pos = p + 1;
    }
  }
  out.message = s.substr(pos);
  return Shape::kOk;
}

bool key_char(char c) {
  return is_lower(c) || is_digit(c) || c == ' ' || c == '/' || c == '_' || c == '-';
}

// Length of a key ("client", "bytes from/to upstream") followed by ':' at
// `pos`, 0 if none.
size_t key_at(std::string_view s, size_t pos) {
  size_t p = pos;
  while (p < s.size() && p - pos <= kMaxKey && key_char(s[p])) ++p;
  if (p == pos || p - pos > kMaxKey || p >= s.size() || s[p] != ':') return 0;
  if (s[pos] == ' ' || s[p - 1] == ' ') return 0;
  return p - pos;
}

// The keys nginx writes, each at most once in a list.
constexpr std::string_view kKnownKeys[] = {
    "client", "server", "request", "subrequest", "upstream", "host", "referrer", "login", "port"};
constexpr size_t kKnownKeyCount = std::size(kKnownKeys);

int known_key(std::string_view key) {
  for (size_t i = 0; i < kKnownKeyCount; ++i) {
    if (kKnownKeys[i] == key) return static_cast<int>(i);
  }
  return -1;
}

// "key: value, key: value" from `pos` to the end of `s`. A quoted value ends
// at a '"' followed by the end or by ", key:" (nginx does not escape quotes
// in what it quotes); an unquoted one at ", " and holds no space or quote.
bool parse_entries(std::string_view s, size_t pos, std::vector<TailEntry>& entries) {
  entries.clear();
  uint32_t seen = 0;
  for (;;) {
    const size_t key_size = key_at(s, pos);
    if (key_size == 0) return false;
    const std::string_view key = s.substr(pos, key_size);
    const int known = known_key(key);
    if (known >= 0) {
      if (seen & (1u << known)) return false;
      seen |= 1u << known;
    }
    size_t v = pos + key_size + 1;
    if (v < s.size() && s[v] == ' ') ++v;
    std::string_view value;
    if (v < s.size() && s[v] == '"') {
      size_t q = v + 1;
      for (;;) {
        q = s.find('"', q);
        if (q == std::string_view::npos) return false;
        if (q + 1 == s.size() || (s.compare(q + 1, 2, ", ") == 0 && key_at(s, q + 3) > 0)) break;
        ++q;
      }
      value = s.substr(v + 1, q - v - 1);
      pos = q + 1;
    } else {
      size_t end = s.find(", ", v);
      if (end == std::string_view::npos) end = s.size();
      value = s.substr(v, end - v);
      if (value.find_first_of(" \"") != std::string_view::npos) return false;
      pos = end;
    }
    if (entries.size() >= limits::kTextMaxFieldsPerEvent) return false;
    entries.push_back({key, value});
    if (pos == s.size()) return true;
    pos += 2;  // ", "
  }
}

// Where the trailing list starts in `text` (the ", " before "client:"), or
// npos; its entries in `entries`.
size_t find_tail(std::string_view text, std::vector<TailEntry>& entries) {
  size_t from = 0;
  for (int tries = 0; tries < kTailTries; ++tries) {
    const size_t at = text.find(", client: ", from);
    if (at == std::string_view::npos) break;
    if (parse_entries(text, at + 2, entries)) return at;
    from = at + 1;
  }
  entries.clear();
  return std::string_view::npos;
}

class NginxParser final : public BlockParser {
 public:
  explicit NginxParser(FieldNames& names)
      : names_(names),
        level_(names.intern("level")),
        pid_(names.intern("pid")),
        tid_(names.intern("tid")),
        connection_(names.intern("connection_id")),
        message_(names.intern("message")),
        headerless_(names.intern("headerless")) {
    for (size_t i = 0; i < kKnownKeyCount; ++i) known_ids_[i] = names.intern(kKnownKeys[i]);
    event_.reserve_more(24);
    entries_.reserve(16);
  }

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const bool ascii = vigil::is_ascii(block);
    weberror::HeaderlessRun run;
    Timestamp last_time;
    start_block();
    for_each_line(
        block, block_offset, sink, [&](std::string_view line, uint64_t no, uint64_t offset) {
          const size_t raw_size = line.size();
          event_.clear();
          bool repaired = false;
          // Repairing touches only bytes >= 0x80, which no header has: the
          // shape of the line stays what the cut rule saw.
          if (!ascii) line = valid_utf8_or_repaired(line, event_, repaired);
          const char* reason = nullptr;
          const Shape shape = parse_nginx(line, line_, reason);
          std::string_view message;
          if (shape == Shape::kNone) {
            const bool inherits = run.inherits();
            run.headerless(raw_size);
            if (weberror::is_blank(line)) return;
            event_.timestamp = inherits ? last_time : Timestamp{};
            message = line;
          } else {
            run.header();
            if (shape == Shape::kBad) {
              last_time = Timestamp{};
              sink.on_issue({no, offset, std::string(reason) + "; line skipped"});
              return;
            }
            last_time = line_.time;
            event_.timestamp = line_.time;
            message = line_.message;
          }
          if (repaired) sink.on_issue({no, offset, "invalid UTF-8 replaced by U+FFFD; line read"});
          event_.source = {input, no, offset, false};
          add_text(event_, field::kSourceFormat, kSourceFormat);
          if (shape == Shape::kOk) {
            add_text(event_, level_, line_.level);
            if (!line_.pid.empty()) add_text(event_, pid_, line_.pid);
            if (!line_.tid.empty()) add_text(event_, tid_, line_.tid);
            if (!line_.connection.empty()) add_text(event_, connection_, line_.connection);
          }
          // The lines a FastCGI backend's stderr spans end with the list too.
          const size_t tail = find_tail(message, entries_);
          add_text(event_, message_,
                   tail == std::string_view::npos ? message : message.substr(0, tail));
          bool dropped = false;
          for (const TailEntry& entry : entries_) {
            const FieldId id = key_field(entry.key);
            if (id == kNoField) {
              dropped = true;
              continue;
            }
            add_text(event_, id, entry.value);
          }
          if (shape == Shape::kNone) add_text(event_, headerless_, "true");
          if (dropped) {
            sink.on_issue({no, offset,
                           "more than " + std::to_string(limits::kJsonMaxFieldNamesPerBlock) +
                               " distinct keys in the block; values under further "
                               "keys dropped"});
          }
          sink.on_event(event_);
        });
  }

 private:
  // nginx's key, with '/', '-' and spaces as '_' ("bytes from/to client" is
  // bytes_from_to_client). Endless distinct keys would grow the run's name
  // table without bound: a block may bring kJsonMaxFieldNamesPerBlock of
  // them, counted per block (as the JSON reader does) so that what is
  // dropped depends on the input, never on which thread read which block.
  FieldId key_field(std::string_view key) {
    const int known = known_key(key);
    if (known >= 0) return known_ids_[known];
    auto it = other_ids_.find(key);
    if (it == other_ids_.end()) {
      if (block_keys_ >= limits::kJsonMaxFieldNamesPerBlock) return kNoField;
      std::string name(key);
      for (char& c : name) {
        if (c == ' ' || c == '/' || c == '-') c = '_';
      }
      it = other_ids_.emplace(std::string(key), OtherKey{names_.intern(name), 0}).first;
    }
    if (it->second.block != block_) {
      if (block_keys_ >= limits::kJsonMaxFieldNamesPerBlock) return kNoField;
      it->second.block = block_;
      ++block_keys_;
    }
    return it->second.id;
  }

  void start_block() {
    ++block_;
    block_keys_ = 0;
    // The cache only saves interning; past a few blocks' worth it starts over.
    if (other_ids_.size() > 4 * limits::kJsonMaxFieldNamesPerBlock) other_ids_.clear();
  }

  struct OtherKey {
    FieldId id;
    uint64_t block;  // the last block that used it
  };

  FieldNames& names_;
  FieldId level_, pid_, tid_, connection_, message_, headerless_;
  FieldId known_ids_[kKnownKeyCount];
  TextMap<OtherKey> other_ids_;
  uint64_t block_ = 0;
  size_t block_keys_ = 0;  // distinct other keys the current block used
  std::vector<TailEntry> entries_;
  Event event_;
  NginxLine line_;
};

class NginxErrorFormat final : public Format {
 public:
  std::string_view name() const override { return kSourceFormat; }

  int sniff(std::string_view head, std::string_view) const override {
    size_t lines = 0, good = 0;
    NginxLine l;
    weberror::for_each_head_line(head, kSniffLines, [&](std::string_view line) {
      ++lines;
      const char* reason = nullptr;
      // The "pid#tid:" after a known level names the format; a time and a
      // bracketed word alone could be many logs.
      if (parse_nginx(line, l, reason) == Shape::kOk && known_level(l.level) && !l.pid.empty()) {
        ++good;
      }
    });
    return weberror::share_score(good, lines);
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts&,
                                                  const ReadOptions&, FieldNames&) const override {
    return std::shared_ptr<const FileContext>(std::make_shared<FileContext>());
  }

  std::unique_ptr<CutRule> cut_rule() const override {
    return std::make_unique<weberror::HeaderCutRule<nginx_shape>>();
  }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext>,
                                      FieldNames& names) const override {
    return std::make_unique<NginxParser>(names);
  }
};

}  // namespace

const Format& nginx_error_format() {
  static const NginxErrorFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
