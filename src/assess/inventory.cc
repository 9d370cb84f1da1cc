// The inventory: YAML loading with every problem collected and placed,
// location patterns compiled once and indexed by their literal prefixes, and
// account resolution across the spellings logs use. See docs/inventory.md.

#include "vigil/assess/inventory.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <unordered_map>
#include <utility>

#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/core/text_map.h"

namespace vigil::assess {

namespace {

// Bounds on the inventory file: core/limits.h.
using limits::kInventoryMaxFileBytes;
using limits::kInventoryMaxPatternBytes;
using limits::kInventoryMaxProblems;
using limits::kInventoryMaxValueBytes;
using limits::kInventoryMaxYamlDepth;
using limits::kInventoryMaxYamlNodes;

// --- Text -----------------------------------------------------------------------

// Code points of undecodable bytes: above Unicode, so they equal no real
// character, and each stands for one byte so it re-encodes unchanged.
constexpr uint32_t kRawByteBase = 0x110000;

// Decodes one UTF-8 sequence at `pos`; an invalid or truncated one is one raw byte.
uint32_t decode_utf8(std::string_view s, size_t& pos) {
  const auto b0 = static_cast<uint8_t>(s[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  int length = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1Fu;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0Fu;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07u;
    min = 0x10000;
  }
  if (length == 0 || pos + static_cast<size_t>(length) > s.size()) {
    ++pos;
    return kRawByteBase + b0;
  }
  for (int i = 1; i < length; ++i) {
    const auto b = static_cast<uint8_t>(s[pos + static_cast<size_t>(i)]);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return kRawByteBase + b0;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kRawByteBase + b0;
  }
  pos += static_cast<size_t>(length);
  return cp;
}

void encode_utf8(std::string& out, uint32_t cp) {
  if (cp >= kRawByteBase) {
    out.push_back(static_cast<char>(cp - kRawByteBase));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Lower case for the letters Windows paths and account names meet in Europe:
// Latin (ASCII, Latin-1, Latin Extended-A), Greek and Cyrillic capitals.
uint32_t fold_case(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
    if (cp == 0x178) return 0xFF;
    const bool odd_capitals = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    const bool capital = odd_capitals ? (cp % 2 == 1) : (cp % 2 == 0);
    return capital ? cp + 1 : cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

void append_folded(std::string& out, std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const auto b = static_cast<uint8_t>(text[pos]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
      ++pos;
      continue;
    }
    encode_utf8(out, fold_case(decode_utf8(text, pos)));
  }
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A UNC server spelled as an address keeps its dots; a name is compared by
// its first label (fs01 and fs01.court.local are one server).
bool is_address(std::string_view server) {
  if (server.find(':') != std::string_view::npos) return true;
  return std::all_of(server.begin(), server.end(),
                     [](char c) { return is_ascii_digit(c) || c == '.'; });
}

std::string_view unc_server_name(std::string_view server) {
  if (is_address(server)) return server;
  return server.substr(0, server.find('.'));
}

bool starts_with_drive(std::string_view s) {
  return s.size() >= 2 && is_ascii_letter(s[0]) && s[1] == ':' &&
         (s.size() == 2 || s[2] == '\\' || s[2] == '/');
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (fold_case(static_cast<uint8_t>(s[i])) != fold_case(static_cast<uint8_t>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool is_windows_separator(char c) { return c == '\\' || c == '/'; }

// Where a URL's path starts: after `scheme://authority`, or at once for a
// path; npos when the text is neither (`*`, `host:443` of a CONNECT).
size_t url_path_start(std::string_view text) {
  if (!text.empty() && text[0] == '/') return 0;
  size_t i = 0;
  if (i >= text.size() || !is_ascii_letter(text[i])) return std::string_view::npos;
  while (i < text.size() && (is_ascii_letter(text[i]) || is_ascii_digit(text[i]) ||
                             text[i] == '+' || text[i] == '-' || text[i] == '.')) {
    ++i;
  }
  if (text.substr(i, 3) != "://") return std::string_view::npos;
  const size_t slash = text.find_first_of("/?#", i + 3);
  if (slash == std::string_view::npos || text[slash] != '/') return text.size();
  return slash;
}

// Ends the segment that starts with the '/' at `segment_start` of `out`
// (which holds `n` bytes): drops it when empty or `.`, drops it and its parent
// when `..`, never cutting into the first `root` bytes. Returns the new size.
size_t close_segment(const char* out, size_t n, size_t segment_start, size_t root) {
  const size_t length = n - segment_start - 1;
  const char* segment = out + segment_start + 1;
  if (length == 0 || (length == 1 && segment[0] == '.')) return segment_start;
  if (length == 2 && segment[0] == '.' && segment[1] == '.') {
    size_t k = segment_start;
    while (k > root && out[k - 1] != '/') --k;
    return k > root ? k - 1 : root;
  }
  return n;
}

}  // namespace

// --- Names ------------------------------------------------------------------------

const char* sensitivity_name(Sensitivity sensitivity) {
  switch (sensitivity) {
    case Sensitivity::kLow: return "low";
    case Sensitivity::kMedium: return "medium";
    case Sensitivity::kHigh: return "high";
    case Sensitivity::kCritical: return "critical";
  }
  return "?";
}

const char* subject_kind_name(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kIndividual: return "individual";
    case SubjectKind::kOrganisation: return "organisation";
    case SubjectKind::kState: return "state";
  }
  return "?";
}

const char* contact_channel_name(ContactChannel channel) {
  switch (channel) {
    case ContactChannel::kEmail: return "email";
    case ContactChannel::kPost: return "post";
    case ContactChannel::kInPerson: return "in_person";
    case ContactChannel::kViaStateParty: return "via_state_party";
    case ContactChannel::kSecureMessenger: return "secure_messenger";
  }
  return "?";
}

// --- Location texts -------------------------------------------------------------------

std::optional<LocationPattern::Form> location_form(std::string_view text, LocationKind kind) {
  using Form = LocationPattern::Form;
  if (text.empty()) return std::nullopt;
  switch (kind) {
    case LocationKind::kObject:
      return Form::kObject;
    case LocationKind::kUrl:
      if (url_path_start(text) == std::string_view::npos) return std::nullopt;
      return Form::kUrl;
    case LocationKind::kPath:
      if (starts_with_drive(text) || text.starts_with("\\\\") || text.starts_with("\\??\\")) {
        return Form::kWindows;
      }
      if (text[0] == '/') return Form::kLinux;
      return std::nullopt;
  }
  return std::nullopt;
}

namespace {

// Windows: the root (`c:` or `//server`) and where the rest starts; false
// when the text has no root a pattern could name.
bool windows_root(std::string_view text, std::string& out, size_t& rest) {
  size_t start = 0;
  bool unc = false;
  // Win32 file namespace and NT object manager prefixes name the same files.
  if (starts_with_nocase(text, "\\\\?\\UNC\\") || starts_with_nocase(text, "\\??\\UNC\\")) {
    start = 8;
    unc = true;
  } else if (text.starts_with("\\\\?\\") || text.starts_with("\\??\\") ||
             text.starts_with("\\\\.\\")) {
    start = 4;
  }
  const std::string_view s = text.substr(start);
  if (!unc && starts_with_drive(s)) {
    out.push_back(static_cast<char>(s[0] | 0x20));
    out.push_back(':');
    rest = start + 2;
    return true;
  }
  size_t server = 0;
  if (!unc) {
    if (s.size() < 3 || !is_windows_separator(s[0]) || !is_windows_separator(s[1])) return false;
    server = 2;
  }
  size_t end = server;
  while (end < s.size() && !is_windows_separator(s[end])) ++end;
  if (end == server) return false;
  out += "//";
  append_folded(out, unc_server_name(s.substr(server, end - server)));
  rest = start + end;
  return true;
}

}  // namespace

std::string_view normalise_location(std::string_view text, LocationPattern::Form form,
                                    std::string& scratch) {
  using Form = LocationPattern::Form;
  scratch.clear();
  if (text.empty()) return {};
  if (form == Form::kObject) {
    scratch.assign(text);
    return scratch;
  }
  size_t pos = 0;
  size_t root = 0;
  std::string_view rest = text;
  if (form == Form::kWindows) {
    if (!windows_root(text, scratch, pos)) return {};
    root = scratch.size();
  } else if (form == Form::kUrl) {
    const size_t start = url_path_start(text);
    if (start == std::string_view::npos) return {};
    rest = text.substr(0, text.find_first_of("?#", start));
    pos = start;
  } else if (text[0] != '/') {
    return {};
  }
  const bool windows = form == Form::kWindows;
  const bool url = form == Form::kUrl;
  // No byte grows: escapes shrink, and folding keeps UTF-8 lengths (every
  // folded range maps within its own length class).
  scratch.resize(root + (rest.size() - pos) + 1);
  char* out = scratch.data();
  size_t n = root;
  size_t segment_start = n;
  out[n++] = '/';
  while (pos < rest.size()) {
    char c = rest[pos];
    if (url && c == '%' && pos + 2 < rest.size() && hex_value(rest[pos + 1]) >= 0 &&
        hex_value(rest[pos + 2]) >= 0) {
      c = static_cast<char>(hex_value(rest[pos + 1]) * 16 + hex_value(rest[pos + 2]));
      pos += 3;
    } else if (windows && static_cast<uint8_t>(c) >= 0x80) {
      const size_t before = pos;
      const uint32_t cp = decode_utf8(rest, pos);
      const uint32_t lower = fold_case(cp);
      if (lower == cp) {
        std::memcpy(out + n, rest.data() + before, pos - before);
        n += pos - before;
      } else {
        std::string encoded;
        encode_utf8(encoded, lower);
        std::memcpy(out + n, encoded.data(), encoded.size());
        n += encoded.size();
      }
      continue;
    } else {
      ++pos;
    }
    if (c == '/' || ((windows || url) && c == '\\')) {
      n = close_segment(out, n, segment_start, root);
      segment_start = n;
      out[n++] = '/';
    } else {
      out[n++] = (windows && c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
  }
  n = close_segment(out, n, segment_start, root);
  if (n == 0) out[n++] = '/';  // the Linux or URL root
  scratch.resize(n);
  return scratch;
}

namespace {

// True when normalising `text` would only fold ASCII letters and turn `\`
// into `/` (and perhaps drop a final separator): then its bytes, mapped on
// the fly, can be walked down the prefix index without normalising first.
bool walkable_as_written(std::string_view text, LocationPattern::Form form) {
  using Form = LocationPattern::Form;
  if (form == Form::kObject) return true;
  const bool windows = form == Form::kWindows;
  const bool url = form == Form::kUrl;
  auto separator = [&](char c) { return c == '/' || (windows && c == '\\'); };
  size_t i = 0;
  if (windows) {
    if (starts_with_drive(text)) {
      i = 2;
    } else if (text.size() > 2 && separator(text[0]) && separator(text[1]) && !separator(text[2])) {
      // A UNC server: its dots and other letters change it.
      for (i = 2; i < text.size() && !separator(text[i]); ++i) {
        const char c = text[i];
        if (c == '.' || c == '?' || static_cast<uint8_t>(c) >= 0x80) return false;
      }
    } else {
      return false;
    }
  } else if (text.empty() || text[0] != '/') {
    return false;
  }
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (separator(c)) {
      if (i + 1 < text.size() && (separator(text[i + 1]) || text[i + 1] == '.')) return false;
    } else if (windows && static_cast<uint8_t>(c) >= 0x80) {
      return false;
    } else if (url && (c == '%' || c == '\\' || c == '?' || c == '#')) {
      return false;
    }
  }
  return true;
}

}  // namespace

// --- Location patterns ----------------------------------------------------------------

namespace {

// Tokens of a compiled segment: code points (raw bytes above Unicode), or one
// of these.
constexpr uint32_t kAnyRun = 0xFFFFFFF0;     // *
constexpr uint32_t kAnyOne = 0xFFFFFFF1;     // ?
constexpr uint32_t kClassBase = 0xF0000000;  // [..], index in the low bits

struct CharClass {
  bool negated = false;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;

  bool contains(uint32_t cp) const {
    bool in = false;
    for (const auto& [low, high] : ranges) {
      if (cp >= low && cp <= high) {
        in = true;
        break;
      }
    }
    return in != negated;
  }
};

struct Segment {
  bool any_depth = false;      // **
  bool literal_only = false;   // no wildcard: compared as bytes
  std::string literal;         // the bytes, when literal_only
  std::vector<uint32_t> tokens;
};

}  // namespace

struct LocationPattern::Compiled {
  uint32_t root_slashes = 0;  // leading separators of the normalised form (0..2)
  std::vector<Segment> segments;
  std::vector<CharClass> classes;
  std::string prefix;         // literal bytes every match starts with
  bool literal_only = false;  // the whole pattern has no wildcard
  std::string literal;        // the normalised pattern, when literal_only

  bool token_matches(uint32_t token, uint32_t cp) const {
    if (token == kAnyOne) return true;
    if (token >= kClassBase && token < kAnyRun) return classes[token - kClassBase].contains(cp);
    return token == cp;
  }

  bool match_segment(const Segment& segment, std::string_view text) const {
    if (segment.literal_only) return text == segment.literal;
    const std::vector<uint32_t>& tokens = segment.tokens;
    size_t p = 0;
    size_t t = 0;
    size_t star_p = std::string_view::npos;
    size_t star_t = 0;
    // Only the last `*` is ever retried: the usual linear-backtracking glob.
    while (t < text.size()) {
      if (p < tokens.size() && tokens[p] == kAnyRun) {
        star_p = p++;
        star_t = t;
        continue;
      }
      if (p < tokens.size()) {
        size_t next = t;
        const uint32_t cp = decode_utf8(text, next);
        if (token_matches(tokens[p], cp)) {
          ++p;
          t = next;
          continue;
        }
      }
      if (star_p == std::string_view::npos) return false;
      p = star_p + 1;
      decode_utf8(text, star_t);
      t = star_t;
    }
    while (p < tokens.size() && tokens[p] == kAnyRun) ++p;
    return p == tokens.size();
  }

  // The text after its root, segment by segment; `**` is the star of this
  // level, retried the same way as `*` within a segment.
  bool match(std::string_view normalised) const {
    if (literal_only) return normalised == literal;
    uint32_t slashes = 0;
    while (slashes < 2 && slashes < normalised.size() && normalised[slashes] == '/') ++slashes;
    if (slashes != root_slashes) return false;
    const std::string_view text = normalised.substr(slashes);
    const size_t end = text.size() + 1;  // past the last segment
    auto segment_end = [&](size_t start) {
      const size_t slash = text.find('/', start);
      return slash == std::string_view::npos ? text.size() : slash;
    };
    size_t p = 0;
    size_t t = text.empty() ? end : 0;
    size_t star_p = std::string_view::npos;
    size_t star_t = 0;
    while (t < end) {
      if (p < segments.size() && segments[p].any_depth) {
        star_p = p++;
        star_t = t;
        continue;
      }
      if (p < segments.size()) {
        const size_t stop = segment_end(t);
        if (match_segment(segments[p], text.substr(t, stop - t))) {
          ++p;
          t = stop + 1;
          continue;
        }
      }
      if (star_p == std::string_view::npos) return false;
      p = star_p + 1;
      star_t = segment_end(star_t) + 1;
      t = star_t;
    }
    while (p < segments.size() && segments[p].any_depth) ++p;
    return p == segments.size();
  }
};

namespace {

// A pattern character with where it came from; `literal` when it cannot be a
// wildcard (it was percent-encoded in a url: pattern).
struct Unit {
  uint32_t cp = 0;
  bool literal = false;
  uint32_t offset = 0;
};

Error pattern_error(std::string message, size_t offset) {
  return make_error(Errc::kInvalidArgument, std::move(message), offset);
}

bool is_separator_unit(const Unit& u, LocationPattern::Form form) {
  using Form = LocationPattern::Form;
  if (u.cp == '/') return true;
  return u.cp == '\\' && (form == Form::kWindows || form == Form::kUrl);
}

// Parses one segment's units into tokens.
Result<Segment> compile_segment(std::span<const Unit> units, size_t body_offset,
                                std::vector<CharClass>& classes) {
  Segment segment;
  if (units.size() == 2 && !units[0].literal && !units[1].literal && units[0].cp == '*' &&
      units[1].cp == '*') {
    segment.any_depth = true;
    return segment;
  }
  for (size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    if (u.literal || (u.cp != '*' && u.cp != '?' && u.cp != '[')) {
      segment.tokens.push_back(u.cp);
      continue;
    }
    if (u.cp == '*') {
      if (i + 1 < units.size() && !units[i + 1].literal && units[i + 1].cp == '*') {
        return pattern_error("'**' must be a whole path segment (a/**/b); use '*' within a segment",
                             body_offset + u.offset);
      }
      segment.tokens.push_back(kAnyRun);
      continue;
    }
    if (u.cp == '?') {
      segment.tokens.push_back(kAnyOne);
      continue;
    }
    // A class: [abc], [a-z], [!abc] or [^abc]; a ']' right after the opening
    // (or the negation) is a member.
    CharClass cls;
    size_t j = i + 1;
    if (j < units.size() && !units[j].literal && (units[j].cp == '!' || units[j].cp == '^')) {
      cls.negated = true;
      ++j;
    }
    const size_t first = j;
    size_t close = first + 1;
    while (close < units.size() && (units[close].cp != ']' || units[close].literal)) ++close;
    if (close >= units.size()) {
      return pattern_error("'[' is not closed by ']' in the same path segment",
                           body_offset + u.offset);
    }
    while (j < close) {
      uint32_t low = units[j].cp;
      uint32_t high = low;
      if (j + 2 < close && units[j + 1].cp == '-') {
        high = units[j + 2].cp;
        if (high < low) {
          return pattern_error("the range in '[...]' goes backwards", body_offset + units[j].offset);
        }
        j += 2;
      }
      cls.ranges.emplace_back(low, high);
      ++j;
    }
    if (classes.size() >= kAnyRun - kClassBase - 1) {
      return pattern_error("too many '[...]' classes", body_offset + u.offset);
    }
    segment.tokens.push_back(kClassBase + static_cast<uint32_t>(classes.size()));
    classes.push_back(std::move(cls));
    i = j;
  }
  if (std::none_of(segment.tokens.begin(), segment.tokens.end(),
                   [](uint32_t t) { return t >= kClassBase; })) {
    segment.literal_only = true;
    for (uint32_t cp : segment.tokens) encode_utf8(segment.literal, cp);
    segment.tokens.clear();
  }
  return segment;
}

}  // namespace

Result<LocationPattern> LocationPattern::compile(std::string_view pattern) {
  LocationPattern out;
  out.text_ = std::string(pattern);
  if (pattern.empty()) return pattern_error("the pattern is empty", 0);
  if (pattern.size() > kInventoryMaxPatternBytes) {
    return pattern_error("the pattern is longer than " +
                             std::to_string(kInventoryMaxPatternBytes) + " bytes", 0);
  }
  std::string_view body = pattern;
  if (pattern.starts_with("url:")) {
    out.form_ = Form::kUrl;
    body.remove_prefix(4);
    if (body.empty() || (body[0] != '/' && body[0] != '\\')) {
      return pattern_error("a url: pattern is the path of a URL and starts with '/' (url:/cases/**)",
                           4);
    }
  } else if (pattern.starts_with("object:")) {
    out.form_ = Form::kObject;
    body.remove_prefix(7);
    if (body.empty()) return pattern_error("the object: pattern is empty", 7);
  } else if (starts_with_drive(pattern)) {
    out.form_ = Form::kWindows;
  } else if (pattern.starts_with("\\\\?\\") || pattern.starts_with("\\??\\") ||
             pattern.starts_with("\\\\.\\")) {
    return pattern_error("write the path without its \\\\?\\ or \\??\\ prefix: texts lose it too",
                         0);
  } else if (pattern.starts_with("\\\\")) {
    out.form_ = Form::kWindows;
  } else if (pattern[0] == '/') {
    out.form_ = Form::kLinux;
  } else {
    const size_t colon = pattern.find(':');
    const size_t separator = pattern.find_first_of("/\\");
    if (colon != std::string_view::npos && colon > 0 && colon < separator) {
      const std::string_view kind = pattern.substr(0, colon + 1);
      if (kind == "http:" || kind == "https:") {
        return pattern_error("a web address is written url: and its path, without scheme and "
                             "host (url:/cases/**)", 0);
      }
      return pattern_error("unknown location kind '" + std::string(kind) +
                               "' (a path, url: or object:)", 0);
    }
    return pattern_error("not a location: a pattern is a Windows path (D:\\...), a UNC path "
                         "(\\\\server\\share\\...), a Linux path (/...), url:/... or object:...",
                         0);
  }
  const size_t body_offset = pattern.size() - body.size();
  const Form form = out.form_;
  const bool fold = form == Form::kWindows;

  // Characters, with url: percent-escapes decoded into literal bytes.
  std::vector<Unit> units;
  {
    std::string bytes;
    std::vector<uint8_t> escaped;
    std::vector<uint32_t> offsets;
    for (size_t i = 0; i < body.size();) {
      if (form == Form::kUrl && body[i] == '%' && i + 2 < body.size() &&
          hex_value(body[i + 1]) >= 0 && hex_value(body[i + 2]) >= 0) {
        bytes.push_back(static_cast<char>(hex_value(body[i + 1]) * 16 + hex_value(body[i + 2])));
        escaped.push_back(1);
        offsets.push_back(static_cast<uint32_t>(i));
        i += 3;
      } else {
        bytes.push_back(body[i]);
        escaped.push_back(0);
        offsets.push_back(static_cast<uint32_t>(i));
        ++i;
      }
    }
    for (size_t i = 0; i < bytes.size();) {
      const size_t start = i;
      uint32_t cp = decode_utf8(bytes, i);
      if (fold) cp = fold_case(cp);
      bool literal = false;
      for (size_t k = start; k < i; ++k) literal = literal || escaped[k] != 0;
      // A decoded separator separates, as it does in texts.
      if (literal && (cp == '/' || cp == '\\')) literal = false;
      units.push_back({cp, literal, offsets[start]});
    }
  }

  // Root.
  auto compiled = std::make_shared<Compiled>();
  size_t i = 0;
  std::vector<std::vector<Unit>> segments;
  auto separator = [&](size_t k) { return k < units.size() && is_separator_unit(units[k], form); };
  if (form == Form::kWindows && !separator(0)) {
    compiled->root_slashes = 0;  // the drive is the first segment
  } else if (form == Form::kWindows) {
    compiled->root_slashes = 2;
    i = 2;
    if (i >= units.size() || separator(i)) {
      return pattern_error("a UNC path names a server: \\\\server\\share\\...", 0);
    }
    std::vector<Unit> server;
    while (i < units.size() && !separator(i)) server.push_back(units[i++]);
    std::string name;
    for (const Unit& u : server) encode_utf8(name, u.cp);
    const size_t keep = unc_server_name(name).size();
    std::vector<Unit> cut;
    size_t bytes = 0;
    for (const Unit& u : server) {
      if (bytes >= keep) break;
      std::string one;
      encode_utf8(one, u.cp);
      bytes += one.size();
      cut.push_back(u);
    }
    segments.push_back(std::move(cut));
  } else if (form == Form::kObject) {
    while (compiled->root_slashes < 2 && separator(i)) {
      ++compiled->root_slashes;
      ++i;
    }
  } else {
    compiled->root_slashes = 1;
  }
  // Segments. Paths and URLs drop empty segments as their texts do; object
  // ids are compared as written, so `a//b` and `a/` keep theirs.
  if (i < units.size()) {
    std::vector<Unit> current;
    for (; i <= units.size(); ++i) {
      if (i == units.size() || separator(i)) {
        if (!current.empty() || form == Form::kObject) segments.push_back(std::move(current));
        current.clear();
        continue;
      }
      current.push_back(units[i]);
    }
  }
  for (const std::vector<Unit>& segment : segments) {
    const bool dots = (segment.size() == 1 && segment[0].cp == '.') ||
                      (segment.size() == 2 && segment[0].cp == '.' && segment[1].cp == '.');
    if (dots && form != Form::kObject) {
      return pattern_error("'.' and '..' segments never match: texts are matched with them "
                           "resolved",
                           body_offset + segment[0].offset);
    }
    auto compiled_segment = compile_segment(segment, body_offset, compiled->classes);
    if (!compiled_segment.ok()) return compiled_segment.take_error();
    compiled->segments.push_back(std::move(compiled_segment.value()));
  }

  // The normalised literal prefix: root, then whole literal segments, then
  // the literal start of the first wild one. Before `**` the separator is
  // left out, since `**` also matches no segment at all.
  std::string& prefix = compiled->prefix;
  prefix.assign(compiled->root_slashes, '/');
  bool all_literal = true;
  for (size_t k = 0; k < compiled->segments.size(); ++k) {
    const Segment& segment = compiled->segments[k];
    if (segment.any_depth) {
      all_literal = false;
      break;
    }
    if (k > 0) prefix.push_back('/');
    if (segment.literal_only) {
      prefix += segment.literal;
      continue;
    }
    for (uint32_t token : segment.tokens) {
      if (token >= kClassBase) break;
      encode_utf8(prefix, token);
    }
    all_literal = false;
    break;
  }
  if (all_literal) {
    compiled->literal_only = true;
    compiled->literal = prefix;
  }
  out.compiled_ = std::move(compiled);
  return out;
}

std::string_view LocationPattern::literal_prefix() const {
  return compiled_ ? std::string_view(compiled_->prefix) : std::string_view();
}

bool LocationPattern::matches_normalised(std::string_view normalised) const {
  return compiled_ && !normalised.empty() && compiled_->match(normalised);
}

bool LocationPattern::matches(std::string_view text, LocationKind kind) const {
  const auto form = location_form(text, kind);
  if (!form || *form != form_) return false;
  std::string scratch;
  return matches_normalised(normalise_location(text, form_, scratch));
}


// --- Accounts ---------------------------------------------------------------------------

namespace {

// Equality after fold_case, without building folded copies.
bool equal_folded(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (fold_case(decode_utf8(a, i)) != fold_case(decode_utf8(b, j))) return false;
  }
  return i == a.size() && j == b.size();
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<uint8_t>(c) < 0x20 || c == 0x7F; });
}

}  // namespace

std::optional<AccountName> parse_account(std::string_view account) {
  if (account.empty() || has_control(account)) return std::nullopt;
  const size_t backslash = account.find('\\');
  if (backslash != std::string_view::npos) {
    if (account.find('\\', backslash + 1) != std::string_view::npos) return std::nullopt;
    AccountName name{account.substr(backslash + 1), account.substr(0, backslash)};
    if (name.user.empty() || name.domain.empty()) return std::nullopt;
    return name;
  }
  const size_t at = account.rfind('@');
  if (at != std::string_view::npos) {
    AccountName name{account.substr(0, at), account.substr(at + 1)};
    if (name.user.empty() || name.domain.empty()) return std::nullopt;
    return name;
  }
  return AccountName{account, {}};
}

bool same_domain(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return true;
  if (equal_folded(a, b)) return true;
  const bool a_dotted = a.find('.') != std::string_view::npos;
  const bool b_dotted = b.find('.') != std::string_view::npos;
  if (a_dotted == b_dotted) return false;
  const std::string_view netbios = a_dotted ? b : a;
  const std::string_view dns = a_dotted ? a : b;
  return equal_folded(netbios, dns.substr(0, dns.find('.')));
}

// --- Problems and results ---------------------------------------------------------------

std::string InventoryProblem::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
    if (column > 0) {
      out += ':';
      out += std::to_string(column);
    }
  }
  out += ": error: ";
  out += message;
  return out;
}

Error InventoryResult::error() const {
  Error e;
  e.code = code_ == Errc::kOk ? Errc::kCorrupt : code_;
  if (problems_.empty()) {
    e.code = Errc::kOk;
    return e;
  }
  const InventoryProblem& first = problems_.front();
  e.source = first.file;
  if (first.line > 0) e.offset = first.line;
  e.message = first.message;
  if (problems_.size() > 1) {
    e.message += " (and " + std::to_string(problems_.size() - 1) + " more problems)";
  }
  return e;
}

// --- The index ----------------------------------------------------------------------------

namespace {

// Hash and equality after fold_case, so that account lookups need no folded copy.
struct FoldedHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a over folded code points
    size_t pos = 0;
    while (pos < s.size()) {
      h = (h ^ fold_case(decode_utf8(s, pos))) * 1099511628211ULL;
    }
    return static_cast<size_t>(h);
  }
};
struct FoldedEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return equal_folded(a, b); }
};
template <class T>
using FoldedMap = std::unordered_map<std::string, T, FoldedHash, FoldedEqual>;

// Literal prefixes of patterns, byte by byte: walking a text down it visits
// exactly the patterns whose prefix the text starts with, and stops at the
// first byte no prefix continues with.
class PrefixTrie {
 public:
  bool empty() const { return size_ == 0; }

  void add(std::string_view key, uint32_t item) {
    uint32_t node = 0;
    for (char c : key) {
      uint32_t child = find(node, c);
      if (child == 0) {
        child = static_cast<uint32_t>(nodes_.size());
        nodes_[node].next.emplace_back(c, child);
        nodes_.emplace_back();
      }
      node = child;
    }
    nodes_[node].items.push_back(item);
    ++size_;
  }

  // With `windows_bytes`, each byte is read as normalising would write it
  // (ASCII letters folded, `\\` as `/`).
  void collect(std::string_view text, bool windows_bytes, std::vector<uint32_t>& out) const {
    uint32_t node = 0;
    size_t i = 0;
    while (true) {
      const Node& n = nodes_[node];
      if (!n.items.empty()) out.insert(out.end(), n.items.begin(), n.items.end());
      if (i == text.size()) return;
      char c = text[i++];
      if (windows_bytes) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c == '\\') c = '/';
      }
      node = find(node, c);
      if (node == 0) return;
    }
  }

 private:
  struct Node {
    std::vector<std::pair<char, uint32_t>> next;
    std::vector<uint32_t> items;
  };

  uint32_t find(uint32_t node, char c) const {
    for (const auto& [key, child] : nodes_[node].next) {
      if (key == c) return child;
    }
    return 0;  // the root is nobody's child
  }

  std::vector<Node> nodes_ = std::vector<Node>(1);
  size_t size_ = 0;
};

}  // namespace

struct Inventory::Index {
  TextMap<uint32_t> subjects;
  TextMap<uint32_t> assets;
  struct Located {
    LocationPattern pattern;
    uint32_t asset = 0;
  };
  std::vector<Located> patterns;
  std::vector<std::vector<LocationPattern>> by_asset;  // the same patterns, per asset in order
  PrefixTrie tries[4];  // by LocationPattern::Form
  // Per asset, per subject (in the asset's order): its `subject_files` name
  // with the id filled in, compiled as one object segment in lower case.
  std::vector<std::vector<std::pair<uint32_t, LocationPattern>>> subject_files;
  struct AccountEntry {
    std::string domain;  // as written; empty for a bare user name
    uint32_t identity = 0;
  };
  FoldedMap<std::vector<AccountEntry>> accounts;  // by user name, without case
};

const Subject* Inventory::subject(std::string_view id) const {
  const auto it = index_->subjects.find(id);
  return it == index_->subjects.end() ? nullptr : &subjects_[it->second];
}

const Asset* Inventory::asset(std::string_view id) const {
  const auto it = index_->assets.find(id);
  return it == index_->assets.end() ? nullptr : &assets_[it->second];
}

std::vector<const Asset*> Inventory::assets_at(std::string_view text, LocationKind kind) const {
  std::vector<const Asset*> out;
  const auto form = location_form(text, kind);
  if (!form) return out;
  const PrefixTrie& trie = index_->tries[static_cast<size_t>(*form)];
  if (trie.empty()) return out;
  // Per thread, so that the millions of texts that match nothing cost no allocation.
  thread_local std::string scratch;
  thread_local std::vector<uint32_t> candidates;
  candidates.clear();
  // Most texts are rejected on their first bytes, before any normalising.
  const bool walked = walkable_as_written(text, *form);
  if (walked) {
    trie.collect(text, *form == LocationPattern::Form::kWindows, candidates);
    if (candidates.empty()) return out;
  }
  const std::string_view normalised = normalise_location(text, *form, scratch);
  if (normalised.empty()) return out;
  if (!walked) {
    trie.collect(normalised, false, candidates);
    if (candidates.empty()) return out;
  }
  thread_local std::vector<uint32_t> hits;
  hits.clear();
  for (uint32_t c : candidates) {
    const Index::Located& located = index_->patterns[c];
    if (located.pattern.matches_normalised(normalised)) hits.push_back(located.asset);
  }
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  out.reserve(hits.size());
  for (uint32_t a : hits) out.push_back(&assets_[a]);
  return out;
}

std::string location_root(std::string_view normalised, LocationPattern::Form form) {
  using Form = LocationPattern::Form;
  const auto up_to = [&](size_t from) {
    const size_t end = normalised.find('/', from);
    return std::string(normalised.substr(0, end));
  };
  switch (form) {
    case Form::kWindows:
      if (normalised.starts_with("//")) return up_to(2);
      return std::string(normalised.substr(0, 2));
    case Form::kLinux: {
      const size_t first = normalised.find('/', 1);
      if (first == std::string_view::npos) return std::string(normalised);
      return up_to(first + 1);
    }
    case Form::kUrl:
      return "/";
    case Form::kObject:
      return up_to(normalised.starts_with('/') ? 1 : 0);
  }
  return {};
}

std::span<const LocationPattern> Inventory::locations_of(const Asset& asset) const {
  return index_->by_asset[asset.index];
}

SubjectsAt Inventory::subjects_at(const Asset& asset, std::string_view text,
                                  LocationKind kind) const {
  SubjectsAt out;
  const auto form = location_form(text, kind);
  if (!form) return out;
  std::string scratch;
  const std::string_view normalised = normalise_location(text, *form, scratch);
  if (normalised.empty()) return out;
  for (const LocationPattern& pattern : locations_of(asset)) {
    if (pattern.form() != *form) continue;
    const std::string_view prefix = pattern.literal_prefix();
    const std::string_view folder = prefix.ends_with('/') ? prefix.substr(0, prefix.size() - 1) : prefix;
    if (pattern.text().ends_with("**") && folder == normalised) {
      out.container = true;
      return out;
    }
  }
  const auto& named = index_->subject_files[asset.index];
  if (!named.empty()) {
    std::string leaf(normalised.substr(normalised.rfind('/') + 1));
    for (char& c : leaf) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    for (const auto& [subject, pattern] : named) {
      if (pattern.matches_normalised(leaf)) out.subjects.push_back(subject);
    }
  }
  if (out.subjects.empty()) {
    for (const std::string& id : asset.subjects) out.subjects.push_back(index_->subjects.find(id)->second);
  }
  std::sort(out.subjects.begin(), out.subjects.end());
  return out;
}

IdentityLookup Inventory::identity(std::string_view account) const {
  IdentityLookup out;
  const auto name = parse_account(account);
  if (!name) return out;
  const auto it = index_->accounts.find(name->user);
  if (it == index_->accounts.end()) return out;
  uint32_t found = UINT32_MAX;
  for (const Index::AccountEntry& entry : it->second) {
    if (!same_domain(name->domain, entry.domain)) continue;
    if (found != UINT32_MAX && found != entry.identity) {
      out.status = IdentityLookup::Status::kAmbiguous;
      return out;
    }
    found = entry.identity;
  }
  if (found == UINT32_MAX) return out;
  out.status = IdentityLookup::Status::kKnown;
  out.identity = &identities_[found];
  return out;
}

// --- Loading ------------------------------------------------------------------------------

namespace {

struct Place {
  uint32_t line = 0;
  uint32_t column = 0;
};

Place place_of(const YAML::Node& node, Place fallback = {1, 1}) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0 || mark.column < 0) return fallback;
  return {static_cast<uint32_t>(mark.line) + 1, static_cast<uint32_t>(mark.column) + 1};
}

const char* shape_name(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "empty";
  return "a single value";
}

// yaml-cpp recurses once per nesting level while it builds the tree, so the
// nesting is bounded on the text first. The estimate never undercounts:
// block levels by indentation steps, compact `- - x` and `? ? x` by their
// indicators, flow levels by brackets outside quotes and comments.
bool nesting_within_limit(std::string_view text) {
  constexpr size_t kMax = kInventoryMaxYamlDepth * 2;
  size_t flow = 0;
  std::vector<size_t> indents;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || line[indent] == '#') continue;
    while (!indents.empty() && indents.back() > indent) indents.pop_back();
    if (indents.empty() || indents.back() < indent) indents.push_back(indent);
    size_t indicators = 0;
    size_t i = indent;
    while (i + 1 < line.size() && (line[i] == '-' || line[i] == '?') &&
           (line[i + 1] == ' ' || line[i + 1] == '\t')) {
      ++indicators;
      i += 2;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    }
    bool single = false;
    bool dbl = false;
    for (size_t k = indent; k < line.size(); ++k) {
      const char c = line[k];
      if (c == '\'' && !dbl) single = !single;
      if (c == '"' && !single) dbl = !dbl;
      if (single || dbl) continue;
      if (c == '#' && (k == 0 || line[k - 1] == ' ' || line[k - 1] == '\t')) break;
      if (c == '[' || c == '{') {
        ++flow;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
      if (flow > kMax) return false;
    }
    if (indents.size() + indicators + flow > kMax) return false;
  }
  return true;
}

struct FirstDocument {
  std::string_view text;
  std::optional<uint32_t> second_line;  // 0-based line where a second document starts
};

bool is_document_marker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// The first YAML document of a stream. A `---` or `...` line ends any
// scalar, so cutting at one never splits what the parser would keep whole.
FirstDocument first_document(std::string_view text) {
  FirstDocument out{text, std::nullopt};
  bool content = false;  // the first document has begun
  bool ended = false;    // `...` closed it
  uint32_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    const size_t first = line.find_first_not_of(" \t\r");
    const bool blank = first == std::string_view::npos || line[first] == '#';
    const bool directive = !content && !line.empty() && line[0] == '%';
    if (is_document_marker(line, "---")) {
      if (content || ended) {
        out.second_line = line_number;
        if (!ended) out.text = text.substr(0, pos);
        return out;
      }
      const size_t rest = line.find_first_not_of(" \t\r", 3);
      content = rest != std::string_view::npos && line[rest] != '#';
    } else if (is_document_marker(line, "...")) {
      if (!ended) out.text = text.substr(0, pos);
      ended = true;
    } else if (!blank && !directive) {
      if (ended) {
        out.second_line = line_number;
        return out;
      }
      content = true;
    }
    pos = end + 1;
    ++line_number;
  }
  return out;
}

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_ascii_letter(c) || is_ascii_digit(c) || c == '.' || c == '_' || c == '-' || c == ':';
  });
}

// A free word (category, role, data category): no spaces or punctuation
// beyond . _ -, any letter.
bool is_word(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<uint8_t>(c) >= 0x80 || is_ascii_letter(c) || is_ascii_digit(c) ||
           c == '.' || c == '_' || c == '-';
  });
}

bool is_email(std::string_view s) {
  const size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || static_cast<uint8_t>(c) < 0x20 || c == '<' || c == '>' ||
           c == ',' || c == ';';
  });
}

// en, fr, pt-BR, sr-Latn: a primary language of 2-3 letters and subtags.
bool is_language_tag(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_ascii_letter(s[i])) ++i;
  if (i < 2 || i > 3) return false;
  while (i < s.size()) {
    if (s[i] != '-') return false;
    const size_t start = ++i;
    while (i < s.size() && (is_ascii_letter(s[i]) || is_ascii_digit(s[i]))) ++i;
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// `{id}_*` with the id filled in, in lower case (names are matched without
// case: Windows folds them, and ids differ by more than case).
std::string fill_subject_id(std::string_view pattern, std::string_view id) {
  std::string out;
  const size_t at = pattern.find("{id}");
  out.append(pattern.substr(0, at)).append(id).append(pattern.substr(at + 4));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// Empty when `pattern` is a usable subject_files name.
std::string subject_files_problem(std::string_view pattern) {
  const size_t at = pattern.find("{id}");
  if (at == std::string_view::npos) return "it must hold {id}, where the subject's id stands";
  if (pattern.find("{id}", at + 1) != std::string_view::npos) return "{id} may appear only once";
  if (pattern.find_first_of("/\\") != std::string_view::npos) {
    return "it is a file name, without folders (the asset's locations say where)";
  }
  auto compiled = LocationPattern::compile("object:" + fill_subject_id(pattern, "x"));
  if (!compiled.ok()) return compiled.error().message;
  return {};
}

std::string join_names(std::span<const char* const> names, const char* last_word) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? std::string(" ") + last_word + " " : ", ";
    out += names[i];
  }
  return out;
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  // Long or multi-line values would drown the message.
  const size_t keep = std::min<size_t>(s.size(), 120);
  for (size_t i = 0; i < keep; ++i) {
    const char c = s[i];
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<uint8_t>(c) < 0x20) {
      out += '?';
    } else {
      out.push_back(c);
    }
  }
  if (keep < s.size()) out += "...";
  out += "'";
  return out;
}

struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

struct Fields {
  YAML::Node node;
  std::vector<Field> entries;

  const Field* find(std::string_view key) const {
    for (const Field& f : entries) {
      if (f.key == key) return &f;
    }
    return nullptr;
  }
};

constexpr const char* kTopKeys[] = {"organisation", "subjects", "assets", "identities"};
constexpr const char* kOrganisationKeys[] = {"name", "dpo", "regime"};
constexpr const char* kDpoKeys[] = {"name", "email", "phone", "address"};
constexpr const char* kRegimeKeys[] = {"deadline_hours"};
constexpr const char* kSubjectKeys[] = {"id",      "name",     "kind",         "category",
                                        "contact", "language", "safety_review"};
constexpr const char* kContactKeys[] = {"channel", "address"};
constexpr const char* kAssetKeys[] = {"id",        "description", "sensitivity", "data_categories",
                                      "locations", "subjects",    "subject_files"};
constexpr const char* kIdentityKeys[] = {"account", "aliases", "role", "assets"};

constexpr const char* kSensitivityNames[] = {"critical", "high", "medium", "low"};
constexpr Sensitivity kSensitivityValues[] = {Sensitivity::kCritical, Sensitivity::kHigh,
                                              Sensitivity::kMedium, Sensitivity::kLow};
constexpr const char* kKindNames[] = {"individual", "organisation", "state"};
constexpr SubjectKind kKindValues[] = {SubjectKind::kIndividual, SubjectKind::kOrganisation,
                                       SubjectKind::kState};
constexpr const char* kChannelNames[] = {"email", "post", "in_person", "via_state_party",
                                         "secure_messenger"};
constexpr ContactChannel kChannelValues[] = {ContactChannel::kEmail, ContactChannel::kPost,
                                             ContactChannel::kInPerson,
                                             ContactChannel::kViaStateParty,
                                             ContactChannel::kSecureMessenger};

// Where each checked value sits, for the checks that need the whole file
// (duplicates, references) and run after reading.
struct Spot {
  std::string text;
  Place place;
};

struct SubjectSpots {
  Place id;
};
struct AssetSpots {
  Place id;
  std::vector<Spot> subjects;
};
struct IdentitySpots {
  std::vector<Spot> accounts;  // the account, then its aliases
  std::vector<Spot> assets;
};

}  // namespace

class InventoryBuilder {
 public:
  explicit InventoryBuilder(std::string_view origin) : origin_(origin) {}

  InventoryResult run(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    try {
      read_text(text);
    } catch (const std::exception& e) {
      // yaml-cpp may still throw on shapes it dislikes: that is a problem of
      // this file like any other.
      problem({1, 1}, std::string("YAML: ") + e.what());
    }
    return finish();
  }

  InventoryResult fail(Errc code, std::string message) {
    problem({0, 0}, std::move(message));
    code_ = code;
    return finish();
  }

 private:
  // --- Problems -------------------------------------------------------------------------

  void problem(Place place, std::string message) {
    // Collected past the report limit only as a count: sorting needs them all,
    // and a generated file can be wrong a million times.
    if (problems_.size() >= kInventoryMaxProblems * 10) {
      ++dropped_;
      return;
    }
    problems_.push_back({std::string(origin_), place.line, place.column, std::move(message)});
  }

  InventoryResult finish() {
    InventoryResult result;
    if (problems_.empty() && dropped_ == 0) {
      build_index();
      result.inventory_ = std::make_shared<const Inventory>(std::move(inventory_));
      return result;
    }
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const InventoryProblem& a, const InventoryProblem& b) {
                       return a.line != b.line ? a.line < b.line : a.column < b.column;
                     });
    size_t more = dropped_;
    if (problems_.size() > kInventoryMaxProblems) {
      more += problems_.size() - kInventoryMaxProblems;
      problems_.resize(kInventoryMaxProblems);
    }
    if (more > 0) {
      problems_.push_back({std::string(origin_), 0, 0,
                           std::to_string(more) + " more problems not shown"});
    }
    result.problems_ = std::move(problems_);
    result.code_ = code_;
    return result;
  }

  // --- The document -----------------------------------------------------------------------

  void read_text(std::string_view text) {
    if (!nesting_within_limit(text)) {
      problem({1, 1}, "YAML nesting deeper than " + std::to_string(kInventoryMaxYamlDepth) +
                          " levels");
      return;
    }
    // One document is read: yaml-cpp 0.7's LoadAll loops forever on some
    // broken streams (a stray ',' at the top level), Load does not.
    const FirstDocument first = first_document(text);
    if (first.second_line) {
      problem({*first.second_line + 1, 1},
              "a second YAML document: the inventory is one document (remove the '---')");
    }
    YAML::Node root;
    try {
      root = YAML::Load(std::string(first.text));
    } catch (const YAML::Exception& e) {
      const Place place = e.mark.is_null()
                              ? Place{1, 1}
                              : Place{static_cast<uint32_t>(e.mark.line) + 1,
                                      static_cast<uint32_t>(e.mark.column) + 1};
      problem(place, "YAML: " + e.msg);
      return;
    }
    if (root.IsNull()) {
      if (!first.second_line) {
        problem({1, 1}, "the inventory is empty: it needs at least 'organisation'");
      }
      return;
    }
    if (!measure(root)) return;
    if (!root.IsMap()) {
      problem(place_of(root), std::string("the inventory must be a mapping with organisation, "
                                          "subjects, assets and identities, not ") +
                                  shape_name(root));
      return;
    }
    const Fields top = fields(root, "the inventory", kTopKeys);
    if (const Field* f = top.find("organisation")) {
      read_organisation(*f);
    } else {
      problem(place_of(root), "missing 'organisation' in the inventory");
    }
    if (const Field* f = top.find("subjects")) {
      for_each_entry(*f, "subject", [&](const YAML::Node& n, size_t i) { read_subject(n, i); });
    }
    if (const Field* f = top.find("assets")) {
      for_each_entry(*f, "asset", [&](const YAML::Node& n, size_t i) { read_asset(n, i); });
    }
    if (const Field* f = top.find("identities")) {
      for_each_entry(*f, "identity", [&](const YAML::Node& n, size_t i) { read_identity(n, i); });
    }
    check_references();
  }

  // Depth, node count and value sizes of the whole tree before anything reads it.
  bool measure(const YAML::Node& root) {
    size_t nodes = 0;
    struct Item {
      YAML::Node node;
      uint32_t depth;
    };
    std::vector<Item> stack{{root, 0}};
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      if (++nodes > kInventoryMaxYamlNodes) {
        problem({1, 1}, "more than " + std::to_string(kInventoryMaxYamlNodes) +
                            " YAML nodes (aliases counted each time they are used)");
        return false;
      }
      if (item.depth > kInventoryMaxYamlDepth) {
        problem(place_of(item.node), "YAML nesting deeper than " +
                                         std::to_string(kInventoryMaxYamlDepth) + " levels");
        return false;
      }
      if (item.node.IsScalar()) {
        if (item.node.Scalar().size() > kInventoryMaxValueBytes) {
          problem(place_of(item.node), "a value of " + std::to_string(item.node.Scalar().size()) +
                                           " bytes, over the limit of " +
                                           std::to_string(kInventoryMaxValueBytes));
          return false;
        }
      } else if (item.node.IsSequence()) {
        for (const YAML::Node& child : item.node) stack.push_back({child, item.depth + 1});
      } else if (item.node.IsMap()) {
        for (const auto& kv : item.node) {
          stack.push_back({kv.first, item.depth + 1});
          stack.push_back({kv.second, item.depth + 1});
        }
      }
    }
    return true;
  }

  // The entries of a mapping, with unknown, duplicate and non-text keys reported.
  Fields fields(const YAML::Node& map, const std::string& where,
                std::span<const char* const> allowed) {
    Fields out;
    out.node = map;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        problem(place_of(kv.first, place_of(map)),
                "a key in " + where + " is " + shape_name(kv.first) + ", not a name");
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (const Field* previous = out.find(key)) {
        problem(place_of(kv.first, place_of(map)),
                "duplicate key " + quoted(key) + " in " + where + " (first at line " +
                    std::to_string(place_of(previous->key_node).line) + ")");
        continue;
      }
      const bool known = std::any_of(allowed.begin(), allowed.end(),
                                     [&](const char* name) { return key == name; });
      if (!known) {
        std::string message = "unknown key " + quoted(key) + " in " + where;
        const char* best = nullptr;
        size_t best_distance = 3;
        for (const char* name : allowed) {
          const size_t d = edit_distance(key, name);
          if (d < best_distance) {
            best_distance = d;
            best = name;
          }
        }
        if (best != nullptr) {
          message += std::string(" (did you mean '") + best + "'?)";
        } else {
          message += " (expected " + join_names(allowed, "or") + ")";
        }
        problem(place_of(kv.first, place_of(map)), std::move(message));
        continue;
      }
      out.entries.push_back({key, kv.first, kv.second});
    }
    return out;
  }

  template <class ReadEntry>
  void for_each_entry(const Field& list, const char* what, ReadEntry&& read_entry) {
    const YAML::Node& node = list.value;
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      problem(place_of(node, place_of(list.key_node)),
              "'" + list.key + "' must be a list, not " + shape_name(node));
      return;
    }
    size_t index = 0;
    for (const YAML::Node& entry : node) {
      ++index;
      if (!entry.IsMap()) {
        problem(place_of(entry, place_of(node)), std::string("each ") + what + " in '" +
                                                     list.key + "' must be a mapping, not " +
                                                     shape_name(entry));
        continue;
      }
      read_entry(entry, index);
    }
  }

  // --- Values -------------------------------------------------------------------------------

  // A text value; nothing when absent (reported when required) or not text.
  // Optional keys left empty count as absent.
  std::optional<std::string> text(const Fields& map, const char* key, const std::string& where,
                                  bool required) {
    const Field* f = map.find(key);
    if (f == nullptr) {
      if (required) problem(place_of(map.node), "missing '" + std::string(key) + "' in " + where);
      return std::nullopt;
    }
    if (f->value.IsNull() || (f->value.IsScalar() && f->value.Scalar().empty())) {
      if (required) {
        problem(place_of(f->value, place_of(f->key_node)),
                "'" + std::string(key) + "' in " + where + " is empty");
      }
      return std::nullopt;
    }
    if (!f->value.IsScalar()) {
      problem(place_of(f->value, place_of(f->key_node)),
              "'" + std::string(key) + "' in " + where + " must be a single value, not " +
                  shape_name(f->value));
      return std::nullopt;
    }
    return f->value.Scalar();
  }

  template <class T, size_t N>
  std::optional<T> choice(const Fields& map, const char* key, const std::string& where,
                          const char* const (&names)[N], const T (&values)[N]) {
    const auto value = text(map, key, where, true);
    if (!value) return std::nullopt;
    for (size_t i = 0; i < N; ++i) {
      if (*value == names[i]) return values[i];
    }
    problem(value_place(map, key), "bad " + std::string(key) + " " + quoted(*value) + " in " +
                                       where + " (expected " + join_names(names, "or") + ")");
    return std::nullopt;
  }

  Place value_place(const Fields& map, const char* key) {
    const Field* f = map.find(key);
    if (f == nullptr) return place_of(map.node);
    return place_of(f->value, place_of(f->key_node));
  }

  // A list of text values with where each sits; a missing or empty key is an
  // empty list.
  std::vector<Spot> text_list(const Fields& map, const char* key, const std::string& where,
                              bool keep_empty = false) {
    std::vector<Spot> out;
    const Field* f = map.find(key);
    if (f == nullptr || f->value.IsNull()) return out;
    if (!f->value.IsSequence()) {
      problem(place_of(f->value, place_of(f->key_node)),
              "'" + std::string(key) + "' in " + where + " must be a list, not " +
                  shape_name(f->value));
      return out;
    }
    for (const YAML::Node& item : f->value) {
      const Place place = place_of(item, place_of(f->value));
      if (keep_empty && (item.IsNull() || (item.IsScalar() && item.Scalar().empty()))) {
        out.push_back({std::string(), place});
        continue;
      }
      if (!item.IsScalar() || item.Scalar().empty()) {
        std::string message = "each entry of '" + std::string(key) + "' in " + where +
                              " must be a single value, not " +
                              (item.IsScalar() ? "empty" : shape_name(item));
        // `- D:\x: y` and `- object:` read as mappings in YAML.
        if (item.IsMap()) message += " (quote values that hold ': ' or end in ':')";
        problem(place, std::move(message));
        continue;
      }
      out.push_back({item.Scalar(), place});
    }
    return out;
  }

  std::vector<std::string> words(const Fields& map, const char* key, const std::string& where) {
    std::vector<std::string> out;
    for (Spot& spot : text_list(map, key, where)) {
      if (!is_word(spot.text)) {
        problem(spot.place, quoted(spot.text) + " in '" + key + "' of " + where +
                                " is not a word (letters, digits, . _ -)");
        continue;
      }
      out.push_back(std::move(spot.text));
    }
    return out;
  }

  std::optional<bool> flag(const Fields& map, const char* key, const std::string& where) {
    const Field* f = map.find(key);
    if (f == nullptr || f->value.IsNull()) return std::nullopt;
    if (f->value.IsScalar() && f->value.Tag() == "?") {
      const std::string& v = f->value.Scalar();
      if (v == "true" || v == "True" || v == "TRUE") return true;
      if (v == "false" || v == "False" || v == "FALSE") return false;
    }
    problem(place_of(f->value, place_of(f->key_node)),
            "'" + std::string(key) + "' in " + where + " must be true or false");
    return std::nullopt;
  }

  // How messages name an entry before its keys are checked: by its id (or
  // account) when it has a usable one, else by its position in the list.
  static std::string entry_name(const YAML::Node& map, const char* kind, const char* key,
                                size_t index) {
    for (const auto& kv : map) {
      if (!kv.first.IsScalar() || kv.first.Scalar() != key) continue;
      if (!kv.second.IsScalar()) break;
      const std::string& id = kv.second.Scalar();
      const bool usable = std::string_view(key) == "id" ? is_identifier(id) : parse_account(id).has_value();
      if (usable) return std::string(kind) + " " + quoted(id);
      break;
    }
    return std::string(kind) + " " + std::to_string(index);
  }

  // The id of a subject or asset, checked; `where` becomes `kind 'id'`.
  std::string entry_id(const Fields& map, const char* kind, size_t index, std::string& where,
                       Place& place) {
    where = std::string(kind) + " " + std::to_string(index);
    place = place_of(map.node);
    const auto id = text(map, "id", where, true);
    if (!id) return {};
    place = value_place(map, "id");
    if (!is_identifier(*id)) {
      problem(place, "id " + quoted(*id) + " of " + where +
                         " may hold only letters, digits and . _ - :");
      return {};
    }
    where = std::string(kind) + " '" + *id + "'";
    return *id;
  }

  // --- Sections -----------------------------------------------------------------------------

  void read_organisation(const Field& field) {
    const std::string where = "organisation";
    if (!field.value.IsMap()) {
      problem(place_of(field.value, place_of(field.key_node)),
              std::string("'organisation' must be a mapping, not ") + shape_name(field.value));
      return;
    }
    const Fields map = fields(field.value, where, kOrganisationKeys);
    Organisation& org = inventory_.organisation_;
    if (auto name = text(map, "name", where, true)) org.name = std::move(*name);
    bool regime_known = false;
    if (const Field* regime = map.find("regime")) {
      regime_known = read_regime(*regime, org.regime);
    } else {
      problem(place_of(map.node), "missing 'regime' in organisation (gdpr, none or "
                                  "{deadline_hours: N})");
    }
    if (const Field* dpo = map.find("dpo")) {
      read_dpo(*dpo, org);
    } else if (!regime_known || org.regime.kind != Regime::Kind::kNone) {
      problem(place_of(map.node), "missing 'dpo' in organisation: notifications name the data "
                                  "protection officer (only regime 'none' goes without)");
    }
  }

  bool read_regime(const Field& field, Regime& regime) {
    const YAML::Node& node = field.value;
    const Place place = place_of(node, place_of(field.key_node));
    const std::string expected = " (expected gdpr, none or {deadline_hours: N})";
    if (node.IsScalar()) {
      if (node.Scalar() == "gdpr") {
        regime = {Regime::Kind::kGdpr, 72};
        return true;
      }
      if (node.Scalar() == "none") {
        regime = {Regime::Kind::kNone, std::nullopt};
        return true;
      }
      problem(place, "bad regime " + quoted(node.Scalar()) + " in organisation" + expected);
      return false;
    }
    if (!node.IsMap()) {
      problem(place, std::string("'regime' in organisation is ") + shape_name(node) + expected);
      return false;
    }
    const std::string where = "the regime of organisation";
    const Fields map = fields(node, where, kRegimeKeys);
    const auto hours = text(map, "deadline_hours", where, true);
    if (!hours) return false;
    uint32_t value = 0;
    bool ok = !hours->empty() && hours->size() <= 5;
    for (char c : *hours) {
      ok = ok && is_ascii_digit(c);
      if (ok) value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (!ok || value < 1 || value > 8760) {
      problem(value_place(map, "deadline_hours"),
              "deadline_hours " + quoted(*hours) + " must be a whole number of hours from 1 to "
              "8760 (a year)");
      return false;
    }
    regime = {Regime::Kind::kDeadline, value};
    return true;
  }

  void read_dpo(const Field& field, Organisation& org) {
    const std::string where = "dpo";
    if (!field.value.IsMap()) {
      problem(place_of(field.value, place_of(field.key_node)),
              std::string("'dpo' in organisation must be a mapping, not ") +
                  shape_name(field.value));
      return;
    }
    const Fields map = fields(field.value, where, kDpoKeys);
    Dpo dpo;
    if (auto v = text(map, "name", where, false)) dpo.name = std::move(*v);
    if (auto v = text(map, "email", where, false)) {
      if (!is_email(*v)) {
        problem(value_place(map, "email"), quoted(*v) + " in dpo is not an e-mail address");
      }
      dpo.email = std::move(*v);
    }
    if (auto v = text(map, "phone", where, false)) dpo.phone = std::move(*v);
    if (auto v = text(map, "address", where, false)) dpo.address = std::move(*v);
    if (dpo.email.empty() && dpo.phone.empty() && dpo.address.empty()) {
      problem(place_of(map.node, place_of(field.key_node)),
              "dpo needs at least one contact: email, phone or address");
    }
    org.dpo = std::move(dpo);
  }

  void read_subject(const YAML::Node& node, size_t index) {
    const Fields map = fields(node, entry_name(node, "subject", "id", index), kSubjectKeys);
    Subject subject;
    std::string where;
    SubjectSpots spots;
    subject.id = entry_id(map, "subject", index, where, spots.id);
    subject.declared = {place_of(node).line, place_of(node).column};
    if (auto v = text(map, "name", where, true)) subject.name = std::move(*v);
    if (auto v = choice(map, "kind", where, kKindNames, kKindValues)) subject.kind = *v;
    if (auto v = text(map, "category", where, true)) {
      if (!is_word(*v)) {
        problem(value_place(map, "category"),
                "category " + quoted(*v) + " of " + where + " is not a word (letters, digits, "
                ". _ -; e.g. protected_witness)");
      }
      subject.category = std::move(*v);
    }
    if (const Field* contact = map.find("contact")) {
      read_contact(*contact, where, subject.contact);
    } else {
      problem(place_of(node), "missing 'contact' in " + where);
    }
    if (auto v = text(map, "language", where, false)) {
      if (!is_language_tag(*v)) {
        problem(value_place(map, "language"), "language " + quoted(*v) + " of " + where +
                                                  " is not a language tag such as en, fr or "
                                                  "pt-BR");
      }
      subject.language = std::move(*v);
    }
    if (auto v = flag(map, "safety_review", where)) subject.safety_review = *v;
    inventory_.subjects_.push_back(std::move(subject));
    subject_spots_.push_back(spots);
  }

  void read_contact(const Field& field, const std::string& owner, Contact& contact) {
    const std::string where = "the contact of " + owner;
    if (!field.value.IsMap()) {
      problem(place_of(field.value, place_of(field.key_node)),
              "'contact' of " + owner + " must be a mapping with channel and address, not " +
                  shape_name(field.value));
      return;
    }
    const Fields map = fields(field.value, where, kContactKeys);
    const auto channel = choice(map, "channel", where, kChannelNames, kChannelValues);
    if (channel) contact.channel = *channel;
    const bool address_required = !channel || *channel != ContactChannel::kInPerson;
    if (auto v = text(map, "address", where, address_required && channel.has_value())) {
      if (channel && *channel == ContactChannel::kEmail && !is_email(*v)) {
        problem(value_place(map, "address"),
                quoted(*v) + " in " + where + " is not an e-mail address (channel email)");
      }
      contact.address = std::move(*v);
    }
  }

  void read_asset(const YAML::Node& node, size_t index) {
    const Fields map = fields(node, entry_name(node, "asset", "id", index), kAssetKeys);
    Asset asset;
    std::string where;
    AssetSpots spots;
    asset.id = entry_id(map, "asset", index, where, spots.id);
    asset.index = static_cast<uint32_t>(inventory_.assets_.size());
    asset.declared = {place_of(node).line, place_of(node).column};
    if (auto v = text(map, "description", where, false)) asset.description = std::move(*v);
    if (auto v = choice(map, "sensitivity", where, kSensitivityNames, kSensitivityValues)) {
      asset.sensitivity = *v;
    }
    asset.data_categories = words(map, "data_categories", where);
    for (Spot& spot : text_list(map, "locations", where, true)) {
      auto pattern = LocationPattern::compile(spot.text);
      if (!pattern.ok()) {
        const Field* f = map.find("locations");
        problem(pattern_place(*f, spot, pattern.error().offset),
                "bad location pattern " + quoted(spot.text) + " in " + where + ": " +
                    pattern.error().message);
        continue;
      }
      asset.locations.push_back(spot.text);
      patterns_.push_back({std::move(pattern.value()), asset.index});
    }
    spots.subjects = text_list(map, "subjects", where);
    for (const Spot& spot : spots.subjects) asset.subjects.push_back(spot.text);
    if (auto v = text(map, "subject_files", where, false)) {
      const std::string problem_text = subject_files_problem(*v);
      if (!problem_text.empty()) {
        problem(place_of(map.find("subject_files")->value),
                "bad subject_files " + quoted(*v) + " in " + where + ": " + problem_text);
      } else {
        asset.subject_files = std::move(*v);
      }
    }
    inventory_.assets_.push_back(std::move(asset));
    asset_spots_.push_back(std::move(spots));
  }

  // Points into the pattern where its text is the scalar's text: plain
  // scalars, and quoted ones without escapes.
  Place pattern_place(const Field& list, const Spot& spot, uint64_t offset) {
    if (offset == UINT64_MAX || offset > kInventoryMaxPatternBytes) return spot.place;
    for (const YAML::Node& item : list.value) {
      const Place place = place_of(item);
      if (place.line != spot.place.line || place.column != spot.place.column) continue;
      const bool plain = item.Tag() == "?";
      return {spot.place.line, spot.place.column + (plain ? 0 : 1) + static_cast<uint32_t>(offset)};
    }
    return spot.place;
  }

  void read_identity(const YAML::Node& node, size_t index) {
    std::string where = "identity " + std::to_string(index);
    const Fields map = fields(node, entry_name(node, "identity", "account", index), kIdentityKeys);
    Identity identity;
    IdentitySpots spots;
    identity.declared = {place_of(node).line, place_of(node).column};
    if (auto account = text(map, "account", where, true)) {
      const Place place = value_place(map, "account");
      if (check_account(*account, place, where)) {
        spots.accounts.push_back({*account, place});
        where = "identity " + quoted(*account);
      }
      identity.account = std::move(*account);
    }
    for (Spot& alias : text_list(map, "aliases", where)) {
      if (check_account(alias.text, alias.place, where)) spots.accounts.push_back(alias);
      identity.aliases.push_back(std::move(alias.text));
    }
    if (auto v = text(map, "role", where, true)) {
      if (!is_word(*v)) {
        problem(value_place(map, "role"), "role " + quoted(*v) + " of " + where +
                                              " is not a word (letters, digits, . _ -)");
      }
      identity.role = std::move(*v);
    }
    const Field* assets = map.find("assets");
    if (assets != nullptr && assets->value.IsScalar() && assets->value.Scalar() == "all") {
      identity.all_assets = true;
    } else if (assets != nullptr && assets->value.IsScalar() && !assets->value.Scalar().empty()) {
      problem(place_of(assets->value), "'assets' in " + where +
                                           " must be a list of asset ids or the word all");
    } else {
      spots.assets = text_list(map, "assets", where);
      for (const Spot& spot : spots.assets) identity.assets.push_back(spot.text);
    }
    inventory_.identities_.push_back(std::move(identity));
    identity_spots_.push_back(std::move(spots));
  }

  bool check_account(const std::string& account, Place place, const std::string& where) {
    const auto name = parse_account(account);
    const bool spaced = !account.empty() && (account.front() == ' ' || account.back() == ' ');
    if (!name || spaced) {
      problem(place, "account " + quoted(account) + " of " + where +
                         " is not DOMAIN\\user, user@domain or user");
      return false;
    }
    return true;
  }

  // --- Checks across the file ---------------------------------------------------------------

  void check_references() {
    TextMap<uint32_t> subject_ids;
    for (size_t i = 0; i < inventory_.subjects_.size(); ++i) {
      const std::string& id = inventory_.subjects_[i].id;
      if (id.empty()) continue;
      const auto [it, inserted] = subject_ids.emplace(id, static_cast<uint32_t>(i));
      if (!inserted) {
        problem(subject_spots_[i].id,
                "duplicate subject id " + quoted(id) + " (first declared at line " +
                    std::to_string(subject_spots_[it->second].id.line) + ")");
      }
    }
    TextMap<uint32_t> asset_ids;
    for (size_t i = 0; i < inventory_.assets_.size(); ++i) {
      Asset& asset = inventory_.assets_[i];
      if (!asset.id.empty()) {
        const auto [it, inserted] = asset_ids.emplace(asset.id, static_cast<uint32_t>(i));
        if (!inserted) {
          problem(asset_spots_[i].id,
                  "duplicate asset id " + quoted(asset.id) + " (first declared at line " +
                      std::to_string(asset_spots_[it->second].id.line) + ")");
        }
      }
      const std::string where = asset.id.empty() ? "asset " + std::to_string(i + 1)
                                                 : "asset '" + asset.id + "'";
      for (const Spot& spot : asset_spots_[i].subjects) {
        if (!subject_ids.contains(spot.text)) {
          problem(spot.place, where + " names unknown subject " + quoted(spot.text));
        }
      }
      // Listing a subject twice says nothing more.
      std::vector<std::string>& subjects = asset.subjects;
      std::vector<std::string> unique;
      for (std::string& s : subjects) {
        if (std::find(unique.begin(), unique.end(), s) == unique.end()) {
          unique.push_back(std::move(s));
        }
      }
      subjects = std::move(unique);
    }
    for (size_t i = 0; i < inventory_.identities_.size(); ++i) {
      Identity& identity = inventory_.identities_[i];
      const std::string where = identity.account.empty()
                                    ? "identity " + std::to_string(i + 1)
                                    : "identity " + quoted(identity.account);
      for (const Spot& spot : identity_spots_[i].assets) {
        const auto it = asset_ids.find(spot.text);
        if (it == asset_ids.end()) {
          problem(spot.place, where + " names unknown asset " + quoted(spot.text));
          continue;
        }
        identity.covered.push_back(it->second);
      }
      std::sort(identity.covered.begin(), identity.covered.end());
      identity.covered.erase(std::unique(identity.covered.begin(), identity.covered.end()),
                             identity.covered.end());
      if (identity.all_assets) {
        for (uint32_t a = 0; a < inventory_.assets_.size(); ++a) identity.covered.push_back(a);
      }
    }
    check_accounts();
  }

  // Two identities must not answer to one account: the lookup would be
  // ambiguous. Spellings of one identity may overlap freely.
  void check_accounts() {
    struct Seen {
      std::string domain;
      uint32_t identity;
      const Spot* spot;
    };
    FoldedMap<std::vector<Seen>> by_user;
    for (size_t i = 0; i < identity_spots_.size(); ++i) {
      for (const Spot& spot : identity_spots_[i].accounts) {
        const auto name = parse_account(spot.text);
        if (!name) continue;
        std::vector<Seen>& seen = by_user[std::string(name->user)];
        bool reported = false;
        for (const Seen& other : seen) {
          if (other.identity == i || !same_domain(other.domain, name->domain)) continue;
          if (!reported) {
            problem(spot.place, "account " + quoted(spot.text) + " also names " +
                                    quoted(other.spot->text) + " of another identity (line " +
                                    std::to_string(other.spot->place.line) +
                                    "); give the domain to tell them apart");
            reported = true;
          }
        }
        seen.push_back({std::string(name->domain), static_cast<uint32_t>(i), &spot});
      }
    }
  }

  // --- The index ----------------------------------------------------------------------------

  void build_index() {
    auto index = std::make_shared<Inventory::Index>();
    for (size_t i = 0; i < inventory_.subjects_.size(); ++i) {
      index->subjects.emplace(inventory_.subjects_[i].id, static_cast<uint32_t>(i));
    }
    for (size_t i = 0; i < inventory_.assets_.size(); ++i) {
      index->assets.emplace(inventory_.assets_[i].id, static_cast<uint32_t>(i));
    }
    for (size_t i = 0; i < patterns_.size(); ++i) {
      const LocationPattern& pattern = patterns_[i].pattern;
      index->tries[static_cast<size_t>(pattern.form())].add(pattern.literal_prefix(),
                                                             static_cast<uint32_t>(i));
    }
    index->by_asset.resize(inventory_.assets_.size());
    for (const Inventory::Index::Located& located : patterns_) {
      index->by_asset[located.asset].push_back(located.pattern);
    }
    index->patterns = std::move(patterns_);
    index->subject_files.resize(inventory_.assets_.size());
    for (const Asset& asset : inventory_.assets_) {
      if (asset.subject_files.empty()) continue;
      for (const std::string& id : asset.subjects) {
        const auto subject = index->subjects.find(id);
        if (subject == index->subjects.end()) continue;
        auto pattern = LocationPattern::compile("object:" + fill_subject_id(asset.subject_files, id));
        if (pattern.ok()) index->subject_files[asset.index].push_back({subject->second, *pattern});
      }
    }
    for (size_t i = 0; i < identity_spots_.size(); ++i) {
      for (const Spot& spot : identity_spots_[i].accounts) {
        const auto name = parse_account(spot.text);
        if (!name) continue;
        index->accounts[std::string(name->user)].push_back(
            {std::string(name->domain), static_cast<uint32_t>(i)});
      }
    }
    inventory_.index_ = std::move(index);
  }

  std::string_view origin_;
  Inventory inventory_;
  std::vector<Inventory::Index::Located> patterns_;
  std::vector<SubjectSpots> subject_spots_;
  std::vector<AssetSpots> asset_spots_;
  std::vector<IdentitySpots> identity_spots_;
  std::vector<InventoryProblem> problems_;
  size_t dropped_ = 0;
  Errc code_ = Errc::kCorrupt;
};

InventoryResult Inventory::parse(std::string_view text, std::string_view origin) {
  InventoryBuilder builder(origin);
  try {
    return builder.run(text);
  } catch (const std::bad_alloc&) {
    InventoryBuilder out_of_memory(origin);
    return out_of_memory.fail(Errc::kLimitExceeded, "out of memory while reading the inventory");
  }
}

InventoryResult Inventory::load(const std::string& path) {
  auto text = read_file(path, kInventoryMaxFileBytes);
  if (!text.ok()) {
    InventoryBuilder builder(path);
    const Errc code = text.error().code;
    std::string message = code == Errc::kLimitExceeded
                              ? "the inventory is larger than " +
                                    std::to_string(kInventoryMaxFileBytes / (1024 * 1024)) +
                                    " MiB; it is not read"
                              : "cannot read the inventory: " + text.error().message;
    return builder.fail(code == Errc::kLimitExceeded ? code : Errc::kIoError, std::move(message));
  }
  return parse(*text, path);
}

}  // namespace vigil::assess
