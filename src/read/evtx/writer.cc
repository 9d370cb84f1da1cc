// EVTX writer: chunks, string and template tables, binary XML templates.
//
// Layout choices copy what the Windows event log service writes (observed
// in real logs): substitution order and types of the System template, the
// nested EventData/UserData template in substitution 17, dependency ids,
// NUL-terminated EventData strings, records padded to 8 bytes, chunk flag 1,
// and the hash buckets of the chunk's common string and template tables.

#include "vigil/read/evtx/writer.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>
#include <unordered_map>

#include "vigil/core/limits.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {

constexpr uint32_t kChunkSize = limits::kEvtxChunkSize;
constexpr uint32_t kFileHeaderSize = limits::kEvtxFileHeaderSize;
constexpr uint32_t kStringBuckets = 64;
constexpr uint32_t kTemplateBuckets = 32;
constexpr uint32_t kStringTableOffset = 128;
constexpr uint32_t kTemplateTableOffset = 384;
constexpr uint16_t kNoDependency = 0xFFFF;
// Index of the BinXml substitution holding EventData/UserData, as in Windows' System template.
constexpr uint16_t kBodySubstitution = 17;
constexpr uint16_t kEventSourceSubstitution = 18;

constexpr std::string_view kEventNamespace =
    "http://schemas.microsoft.com/win/2004/08/events/event";

uint32_t crc32_of(const uint8_t* p, size_t n, uint32_t crc = 0) {
  return static_cast<uint32_t>(::crc32(crc, p, static_cast<uInt>(n)));
}

template <class T>
void store(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

template <class T>
void append_le(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

// UTF-8 to UTF-16LE; malformed bytes become U+FFFD so any input is writable.
void append_utf16le(std::string& out, std::string_view in) {
  const size_t start = out.size();
  out.resize(start + in.size() * 2);  // never more units than bytes
  char* dst = out.data() + start;
  auto put = [&dst](uint32_t unit) {
    *dst++ = static_cast<char>(unit & 0xFF);
    *dst++ = static_cast<char>(unit >> 8);
  };
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const uint32_t c = s[i];
    if (c < 0x80) {
      put(c);
      ++i;
      continue;
    }
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF && cont(1)) {
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
      const uint32_t v = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
        cp = v;
        len = 3;
      }
    } else if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
      const uint32_t v = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
                         (s[i + 3] & 0x3F);
      if (v >= 0x10000 && v <= 0x10FFFF) {
        cp = v;
        len = 4;
      }
    }
    if (cp >= 0x10000) {
      // A 4-byte sequence becomes two units: still within the 2-per-byte budget.
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp);
    }
    i += len;
  }
  out.resize(static_cast<size_t>(dst - out.data()));
}

// The hash Windows stores with names and uses for both chunk hash tables.
uint32_t hash65599(const uint8_t* utf16, size_t units) {
  uint32_t h = 0;
  for (size_t i = 0; i < units; ++i) {
    h = h * 65599u +
        (static_cast<uint32_t>(utf16[2 * i]) | (static_cast<uint32_t>(utf16[2 * i + 1]) << 8));
  }
  return h;
}

// 128 bits from a key, for template GUIDs: stable across runs and platforms.
Guid guid_of_key(std::string_view key) {
  auto mix = [](uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint64_t a = 0xcbf29ce484222325ULL;
  uint64_t b = 0x84222325cbf29ce4ULL;
  for (unsigned char c : key) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
  }
  a = mix(a);
  b = mix(b ^ a);
  Guid g;
  std::memcpy(g.bytes.data(), &a, 8);
  std::memcpy(g.bytes.data() + 8, &b, 8);
  return g;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void key_part(std::string& key, std::string_view part) {
  append_le(key, static_cast<uint32_t>(part.size()));
  key.append(part);
}

Error too_large(const std::string& what) { return make_error(Errc::kLimitExceeded, what); }

// --- Templates ---------------------------------------------------------------

// A literal text run or a substitution.
struct TemplatePiece {
  bool substitution = false;
  bool optional = false;
  uint16_t index = 0;
  uint8_t type = 0;
  std::string utf16;  // literal text
};

struct TemplateElement {
  uint32_t name = 0;  // writer-wide name id
  uint16_t dependency = kNoDependency;
  bool close_empty = false;  // attribute-only element written as <X .../>
  std::vector<std::pair<uint32_t, TemplatePiece>> attributes;
  struct Content {
    int32_t element = -1;  // index of a child element, or -1 for `piece`
    TemplatePiece piece;
  };
  std::vector<Content> content;
};

struct WrittenTemplate {
  Guid guid;
  uint32_t bucket = 0;
  std::vector<TemplateElement> elements;  // [0] is the root
  uint32_t chunk_offset = 0;              // definition offset in the current chunk
  uint32_t chunk_generation = 0;          // chunk in which chunk_offset is valid
};

TemplatePiece literal(std::string_view utf8) {
  TemplatePiece p;
  append_utf16le(p.utf16, utf8);
  return p;
}

TemplatePiece substitution(uint16_t index, uint8_t type, bool optional) {
  TemplatePiece p;
  p.substitution = true;
  p.optional = optional;
  p.index = index;
  p.type = type;
  return p;
}

struct WrittenName {
  std::string utf16;
  uint16_t hash = 0;
  uint32_t chunk_offset = 0;
  uint32_t chunk_generation = 0;
};

class FileSink final : public EvtxSink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}
  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) override {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                                 static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return make_error(Errc::kIoError, std::string("write failed: ") + std::strerror(errno),
                          offset + done);
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }
  Result<void> close() {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) {
      return make_error(Errc::kIoError, std::string("close failed: ") + std::strerror(errno));
    }
    return {};
  }

 private:
  int fd_;
};

}  // namespace

// --- Guid / Sid --------------------------------------------------------------

std::optional<Guid> Guid::parse(std::string_view t) {
  if (t.size() == 38 && t.front() == '{' && t.back() == '}') t = t.substr(1, 36);
  if (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-') {
    return std::nullopt;
  }
  uint8_t text_order[16];
  size_t k = 0;
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '-') {
      ++i;
      continue;
    }
    const int hi = hex_digit(t[i]);
    const int lo = hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    text_order[k++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  // The first three groups are integers stored little-endian.
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  Guid g;
  for (int i = 0; i < 16; ++i) g.bytes[kOrder[i]] = text_order[i];
  return g;
}

std::optional<Sid> Sid::parse(std::string_view t) {
  if (t.size() < 4 || (t[0] != 'S' && t[0] != 's') || t[1] != '-') return std::nullopt;
  t.remove_prefix(2);
  std::vector<uint64_t> parts;
  while (true) {
    const size_t dash = t.find('-');
    const std::string_view part = t.substr(0, dash);
    if (part.empty() || part.size() > 20) return std::nullopt;
    uint64_t v = 0;
    if (part.size() > 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
      for (size_t i = 2; i < part.size(); ++i) {
        const int d = hex_digit(part[i]);
        if (d < 0 || v > (UINT64_MAX >> 4)) return std::nullopt;
        v = v * 16 + static_cast<uint64_t>(d);
      }
    } else {
      for (char c : part) {
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
    }
    parts.push_back(v);
    if (dash == std::string_view::npos) break;
    t.remove_prefix(dash + 1);
  }
  // revision, authority, then 0..15 sub-authorities
  if (parts.size() < 2 || parts.size() > 17 || parts[0] > 255 || parts[1] >= (1ULL << 48)) {
    return std::nullopt;
  }
  Sid sid;
  sid.bytes.push_back(static_cast<char>(parts[0]));
  sid.bytes.push_back(static_cast<char>(parts.size() - 2));
  for (int shift = 40; shift >= 0; shift -= 8) {
    sid.bytes.push_back(static_cast<char>((parts[1] >> shift) & 0xFF));
  }
  for (size_t i = 2; i < parts.size(); ++i) {
    if (parts[i] > UINT32_MAX) return std::nullopt;
    append_le(sid.bytes, static_cast<uint32_t>(parts[i]));
  }
  return sid;
}

// --- TypedValue --------------------------------------------------------------

namespace {
template <class T>
void set_scalar(TypedValue& v, ValueType type, T x) {
  v.type = static_cast<uint8_t>(type);
  v.bytes.clear();
  append_le(v.bytes, x);
}
}  // namespace

void TypedValue::set_null() {
  type = static_cast<uint8_t>(ValueType::kNull);
  bytes.clear();
}
void TypedValue::set_string(std::string_view utf8) {
  type = static_cast<uint8_t>(ValueType::kUtf16);
  bytes.clear();
  append_utf16le(bytes, utf8);
}
void TypedValue::set_ansi(std::string_view text) {
  type = static_cast<uint8_t>(ValueType::kAnsi);
  bytes.assign(text);
}
void TypedValue::set_int8(int8_t v) { set_scalar(*this, ValueType::kInt8, v); }
void TypedValue::set_uint8(uint8_t v) { set_scalar(*this, ValueType::kUInt8, v); }
void TypedValue::set_int16(int16_t v) { set_scalar(*this, ValueType::kInt16, v); }
void TypedValue::set_uint16(uint16_t v) { set_scalar(*this, ValueType::kUInt16, v); }
void TypedValue::set_int32(int32_t v) { set_scalar(*this, ValueType::kInt32, v); }
void TypedValue::set_uint32(uint32_t v) { set_scalar(*this, ValueType::kUInt32, v); }
void TypedValue::set_int64(int64_t v) { set_scalar(*this, ValueType::kInt64, v); }
void TypedValue::set_uint64(uint64_t v) { set_scalar(*this, ValueType::kUInt64, v); }
void TypedValue::set_real32(float v) { set_scalar(*this, ValueType::kReal32, v); }
void TypedValue::set_real64(double v) { set_scalar(*this, ValueType::kReal64, v); }
void TypedValue::set_bool(bool v) {
  set_scalar(*this, ValueType::kBool, static_cast<uint32_t>(v ? 1 : 0));
}
void TypedValue::set_hex32(uint32_t v) { set_scalar(*this, ValueType::kHexInt32, v); }
void TypedValue::set_hex64(uint64_t v) { set_scalar(*this, ValueType::kHexInt64, v); }
void TypedValue::set_size(uint64_t v) { set_scalar(*this, ValueType::kSizeT, v); }

void TypedValue::set_filetime(Timestamp t) {
  const uint64_t ft = t.is_set() ? static_cast<uint64_t>(t.ticks) +
                                       static_cast<uint64_t>(Timestamp::kFiletimeEpochOffset)
                                 : 0;
  set_scalar(*this, ValueType::kFileTime, ft);
}

void TypedValue::set_systemtime(Timestamp t) {
  type = static_cast<uint8_t>(ValueType::kSysTime);
  bytes.clear();
  const CivilTime c = to_civil(t.is_set() ? t : Timestamp{0});
  constexpr int64_t kTicksPerDay = 86400 * Timestamp::kTicksPerSecond;
  int64_t days = (t.is_set() ? t.ticks : 0) / kTicksPerDay;
  if ((t.is_set() ? t.ticks : 0) % kTicksPerDay < 0) --days;
  const int64_t weekday = ((days + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  const uint16_t fields[8] = {
      static_cast<uint16_t>(c.year),   static_cast<uint16_t>(c.month),
      static_cast<uint16_t>(weekday),  static_cast<uint16_t>(c.day),
      static_cast<uint16_t>(c.hour),   static_cast<uint16_t>(c.minute),
      static_cast<uint16_t>(c.second), static_cast<uint16_t>(c.ticks / 10000)};
  for (uint16_t f : fields) append_le(bytes, f);
}

void TypedValue::set_guid(const Guid& g) {
  type = static_cast<uint8_t>(ValueType::kGuid);
  bytes.assign(reinterpret_cast<const char*>(g.bytes.data()), g.bytes.size());
}

void TypedValue::set_sid(const Sid& s) {
  type = static_cast<uint8_t>(ValueType::kSid);
  bytes = s.bytes;
}

void TypedValue::set_binary(std::span<const uint8_t> data) {
  type = static_cast<uint8_t>(ValueType::kBinary);
  bytes.assign(reinterpret_cast<const char*>(data.data()), data.size());
}

void TypedValue::set_string_array(std::span<const std::string> items) {
  type = static_cast<uint8_t>(ValueType::kUtf16) | kArrayFlag;
  bytes.clear();
  for (const std::string& s : items) {
    append_utf16le(bytes, s);
    append_le(bytes, static_cast<uint16_t>(0));
  }
}

void TypedValue::set_uint32_array(std::span<const uint32_t> items) {
  type = static_cast<uint8_t>(ValueType::kUInt32) | kArrayFlag;
  bytes.clear();
  for (uint32_t v : items) append_le(bytes, v);
}

void TypedValue::set_uint64_array(std::span<const uint64_t> items) {
  type = static_cast<uint8_t>(ValueType::kUInt64) | kArrayFlag;
  bytes.clear();
  for (uint64_t v : items) append_le(bytes, v);
}

TypedValue TypedValue::string(std::string_view utf8) {
  TypedValue v;
  v.set_string(utf8);
  return v;
}
TypedValue TypedValue::uint8(uint8_t x) {
  TypedValue v;
  v.set_uint8(x);
  return v;
}
TypedValue TypedValue::uint16(uint16_t x) {
  TypedValue v;
  v.set_uint16(x);
  return v;
}
TypedValue TypedValue::uint32(uint32_t x) {
  TypedValue v;
  v.set_uint32(x);
  return v;
}
TypedValue TypedValue::uint64(uint64_t x) {
  TypedValue v;
  v.set_uint64(x);
  return v;
}
TypedValue TypedValue::hex32(uint32_t x) {
  TypedValue v;
  v.set_hex32(x);
  return v;
}
TypedValue TypedValue::hex64(uint64_t x) {
  TypedValue v;
  v.set_hex64(x);
  return v;
}
TypedValue TypedValue::boolean(bool x) {
  TypedValue v;
  v.set_bool(x);
  return v;
}
TypedValue TypedValue::filetime(Timestamp t) {
  TypedValue v;
  v.set_filetime(t);
  return v;
}
TypedValue TypedValue::guid(const Guid& g) {
  TypedValue v;
  v.set_guid(g);
  return v;
}
TypedValue TypedValue::sid(const Sid& s) {
  TypedValue v;
  v.set_sid(s);
  return v;
}
TypedValue TypedValue::binary(std::span<const uint8_t> data) {
  TypedValue v;
  v.set_binary(data);
  return v;
}

// --- Sinks -------------------------------------------------------------------

Result<void> MemorySink::write_at(uint64_t offset, std::span<const uint8_t> data) {
  if (offset + data.size() > bytes.size()) bytes.resize(offset + data.size());
  std::memcpy(bytes.data() + offset, data.data(), data.size());
  return {};
}

// --- Writer ------------------------------------------------------------------

struct EvtxWriter::Impl {
  Impl(EvtxSink& s, WriterOptions o) : sink(&s), options(o), next_record_id(o.first_record_id) {
    chunk.assign(kChunkSize, 0);
    start_chunk();
  }

  EvtxSink* sink;
  std::unique_ptr<FileSink> owned_sink;
  WriterOptions options;
  bool finished = false;
  bool full = false;
  bool header_written = false;
  uint64_t next_record_id;
  uint64_t records = 0;
  uint32_t chunks_flushed = 0;

  // Writer-wide tables: names and templates are defined once per chunk, so
  // what survives chunk boundaries is only their identity.
  std::vector<WrittenName> names;
  std::unordered_map<std::string, uint32_t> name_ids;
  std::vector<WrittenTemplate> templates;
  std::unordered_map<std::string, uint32_t> template_ids;
  uint32_t generation = 0;

  // Current chunk.
  std::vector<uint8_t> chunk;
  uint32_t free_offset = kChunkHeaderSize;
  uint32_t last_record_offset = 0;
  uint32_t chunk_records = 0;
  uint64_t chunk_min_id = 0;
  uint64_t chunk_max_id = 0;
  uint32_t string_buckets[kStringBuckets] = {};
  uint32_t template_buckets[kTemplateBuckets] = {};

  // One record being serialised, and what it defined in the chunk so a
  // record that does not fit can be taken back.
  std::string rec;
  uint32_t rec_base = 0;  // chunk offset of rec[0]
  std::vector<uint32_t> new_names;
  std::vector<uint32_t> new_templates;
  uint32_t saved_string_buckets[kStringBuckets] = {};
  uint32_t saved_template_buckets[kTemplateBuckets] = {};
  std::string key;

  void start_chunk() {
    std::fill(chunk.begin(), chunk.end(), 0);
    free_offset = kChunkHeaderSize;
    last_record_offset = 0;
    chunk_records = 0;
    chunk_min_id = 0;
    chunk_max_id = 0;
    std::fill(std::begin(string_buckets), std::end(string_buckets), 0);
    std::fill(std::begin(template_buckets), std::end(template_buckets), 0);
    ++generation;
  }

  uint32_t pos() const { return rec_base + static_cast<uint32_t>(rec.size()); }
  void put8(uint8_t v) { rec.push_back(static_cast<char>(v)); }
  void put16(uint16_t v) { append_le(rec, v); }
  void put32(uint32_t v) { append_le(rec, v); }
  void put64(uint64_t v) { append_le(rec, v); }
  void patch16(size_t at, uint16_t v) { std::memcpy(rec.data() + at, &v, 2); }
  void patch32(size_t at, uint32_t v) { std::memcpy(rec.data() + at, &v, 4); }

  uint32_t name_id(std::string_view text) {
    auto it = name_ids.find(std::string(text));
    if (it != name_ids.end()) return it->second;
    WrittenName e;
    append_utf16le(e.utf16, text);
    e.hash = static_cast<uint16_t>(
        hash65599(reinterpret_cast<const uint8_t*>(e.utf16.data()), e.utf16.size() / 2));
    const auto id = static_cast<uint32_t>(names.size());
    names.push_back(std::move(e));
    name_ids.emplace(std::string(text), id);
    return id;
  }

  // A name reference; the name itself follows inline the first time the chunk sees it.
  Result<void> emit_name(uint32_t id) {
    WrittenName& n = names[id];
    if (n.chunk_generation == generation) {
      put32(n.chunk_offset);
      return {};
    }
    const size_t units = n.utf16.size() / 2;
    if (units > 0xFFFF) return too_large("element or attribute name longer than 65535 characters");
    const uint32_t offset = pos() + 4;
    put32(offset);
    const uint32_t bucket = n.hash % kStringBuckets;
    put32(string_buckets[bucket]);
    put16(n.hash);
    put16(static_cast<uint16_t>(units));
    rec.append(n.utf16);
    put16(0);
    string_buckets[bucket] = offset;
    n.chunk_offset = offset;
    n.chunk_generation = generation;
    new_names.push_back(id);
    return {};
  }

  Result<void> emit_piece(const TemplatePiece& p) {
    if (p.substitution) {
      put8(p.optional ? 0x0e : 0x0d);
      put16(p.index);
      put8(p.type);
      return {};
    }
    const size_t units = p.utf16.size() / 2;
    if (units > 0xFFFF) return too_large("literal text longer than 65535 characters");
    put8(0x05);
    put8(static_cast<uint8_t>(ValueType::kUtf16));
    put16(static_cast<uint16_t>(units));
    rec.append(p.utf16);
    return {};
  }

  Result<void> emit_element(const WrittenTemplate& t, const TemplateElement& e) {
    put8(e.attributes.empty() ? 0x01 : 0x41);
    put16(e.dependency);
    const size_t size_at = rec.size();
    put32(0);
    if (auto r = emit_name(e.name); !r.ok()) return r;
    if (!e.attributes.empty()) {
      const size_t list_at = rec.size();
      put32(0);
      for (size_t i = 0; i < e.attributes.size(); ++i) {
        put8(i + 1 < e.attributes.size() ? 0x46 : 0x06);
        if (auto r = emit_name(e.attributes[i].first); !r.ok()) return r;
        if (auto r = emit_piece(e.attributes[i].second); !r.ok()) return r;
      }
      patch32(list_at, static_cast<uint32_t>(rec.size() - list_at - 4));
    }
    if (e.close_empty && e.content.empty()) {
      put8(0x03);
    } else {
      put8(0x02);
      for (const TemplateElement::Content& c : e.content) {
        if (c.element >= 0) {
          if (auto r = emit_element(t, t.elements[static_cast<size_t>(c.element)]); !r.ok())
            return r;
        } else if (auto r = emit_piece(c.piece); !r.ok()) {
          return r;
        }
      }
      put8(0x04);
    }
    patch32(size_at, static_cast<uint32_t>(rec.size() - size_at - 4));
    return {};
  }

  // Template instance header; the definition follows inline the first time the chunk uses it.
  Result<void> emit_instance_header(uint32_t tid) {
    WrittenTemplate& t = templates[tid];
    put8(0x0c);
    put8(0x01);
    uint32_t short_id;
    std::memcpy(&short_id, t.guid.bytes.data(), 4);
    put32(short_id);
    if (t.chunk_generation == generation) {
      put32(t.chunk_offset);
      return {};
    }
    const uint32_t offset = pos() + 4;
    put32(offset);
    put32(template_buckets[t.bucket]);
    rec.append(reinterpret_cast<const char*>(t.guid.bytes.data()), 16);
    const size_t size_at = rec.size();
    put32(0);
    put8(0x0f);
    put8(0x01);
    put8(0x01);
    put8(0x00);
    if (auto r = emit_element(t, t.elements[0]); !r.ok()) return r;
    put8(0x00);
    patch32(size_at, static_cast<uint32_t>(rec.size() - size_at - 4));
    template_buckets[t.bucket] = offset;
    t.chunk_offset = offset;
    t.chunk_generation = generation;
    new_templates.push_back(tid);
    return {};
  }

  uint32_t add_template(std::string_view template_key, std::vector<TemplateElement> elements) {
    // Dependency: the optional substitution an element's own content hangs on.
    for (TemplateElement& e : elements) {
      for (const TemplateElement::Content& c : e.content) {
        if (c.element < 0 && c.piece.substitution && c.piece.optional) {
          e.dependency = c.piece.index;
          break;
        }
      }
    }
    WrittenTemplate t;
    t.guid = guid_of_key(template_key);
    t.bucket = hash65599(t.guid.bytes.data(), 8) % kTemplateBuckets;
    t.elements = std::move(elements);
    const auto id = static_cast<uint32_t>(templates.size());
    templates.push_back(std::move(t));
    template_ids.emplace(std::string(template_key), id);
    return id;
  }

  static TemplateElement element(uint32_t name) {
    TemplateElement e;
    e.name = name;
    return e;
  }

  static void add_child(std::vector<TemplateElement>& els, size_t parent, TemplateElement child) {
    els.push_back(std::move(child));
    TemplateElement::Content c;
    c.element = static_cast<int32_t>(els.size() - 1);
    els[parent].content.push_back(std::move(c));
  }

  static void add_piece(TemplateElement& e, TemplatePiece p) {
    TemplateElement::Content c;
    c.piece = std::move(p);
    e.content.push_back(std::move(c));
  }

  // The System template: Windows' substitution numbering, Computer as literal.
  uint32_t system_template(const EventSpec& ev) {
    key.clear();
    key.push_back('S');
    key.push_back(static_cast<char>(ev.body));
    key.push_back(ev.event_source_name.empty() ? '0' : '1');
    key.push_back(ev.classic_system ? 'C' : 'M');
    key_part(key, ev.computer);
    if (auto it = template_ids.find(key); it != template_ids.end()) return it->second;

    const auto u8 = static_cast<uint8_t>(ValueType::kUInt8);
    const auto u16 = static_cast<uint8_t>(ValueType::kUInt16);
    const auto u32 = static_cast<uint8_t>(ValueType::kUInt32);
    const auto u64 = static_cast<uint8_t>(ValueType::kUInt64);
    const auto str = static_cast<uint8_t>(ValueType::kUtf16);
    const auto guid = static_cast<uint8_t>(ValueType::kGuid);
    std::vector<TemplateElement> els;
    TemplateElement event = element(name_id("Event"));
    event.attributes.emplace_back(name_id("xmlns"), literal(kEventNamespace));
    els.push_back(std::move(event));
    add_child(els, 0, element(name_id("System")));
    const size_t sys = els.size() - 1;
    auto leaf = [&](std::string_view name, uint16_t index, uint8_t type) {
      TemplateElement e = element(name_id(name));
      add_piece(e, substitution(index, type, true));
      add_child(els, sys, std::move(e));
    };
    auto attrs_only =
        [&](std::string_view name,
            std::initializer_list<std::tuple<std::string_view, uint16_t, uint8_t>> attrs) {
          TemplateElement e = element(name_id(name));
          e.close_empty = true;
          for (const auto& [attr, index, type] : attrs) {
            e.attributes.emplace_back(name_id(attr), substitution(index, type, true));
          }
          add_child(els, sys, std::move(e));
        };
    {
      TemplateElement provider = element(name_id("Provider"));
      provider.close_empty = true;
      provider.attributes.emplace_back(name_id("Name"), substitution(14, str, true));
      provider.attributes.emplace_back(name_id("Guid"), substitution(15, guid, true));
      if (!ev.event_source_name.empty()) {
        provider.attributes.emplace_back(name_id("EventSourceName"),
                                         substitution(kEventSourceSubstitution, str, true));
      }
      add_child(els, sys, std::move(provider));
    }
    {
      TemplateElement event_id = element(name_id("EventID"));
      event_id.attributes.emplace_back(name_id("Qualifiers"), substitution(4, u16, true));
      add_piece(event_id, substitution(3, u16, true));
      add_child(els, sys, std::move(event_id));
    }
    // Classic templates leave these out; their values are still written,
    // so the numbering stays the same.
    const bool manifest = !ev.classic_system;
    if (manifest) leaf("Version", 11, u8);
    leaf("Level", 0, u8);
    leaf("Task", 2, u16);
    if (manifest) leaf("Opcode", 1, u8);
    leaf("Keywords", 5, static_cast<uint8_t>(ValueType::kHexInt64));
    attrs_only("TimeCreated", {{"SystemTime", 6, static_cast<uint8_t>(ValueType::kFileTime)}});
    leaf("EventRecordID", 10, u64);
    if (manifest) {
      attrs_only("Correlation", {{"ActivityID", 7, guid}, {"RelatedActivityID", 13, guid}});
      attrs_only("Execution", {{"ProcessID", 8, u32}, {"ThreadID", 9, u32}});
    }
    leaf("Channel", 16, str);
    {
      TemplateElement computer = element(name_id("Computer"));
      add_piece(computer, literal(ev.computer));
      add_child(els, sys, std::move(computer));
    }
    attrs_only("Security", {{"UserID", 12, static_cast<uint8_t>(ValueType::kSid)}});
    const TemplatePiece body =
        substitution(kBodySubstitution, static_cast<uint8_t>(ValueType::kBinXml), true);
    if (ev.body == EventBody::kUserData) {
      TemplateElement user_data = element(name_id("UserData"));
      add_piece(user_data, body);
      add_child(els, 0, std::move(user_data));
    } else if (ev.body == EventBody::kEventData) {
      add_piece(els[0], body);
    }
    // kNone: no body substitution at all. With one, Event would depend on a
    // NULL value, and readers that honour dependencies (libevtx) drop the event.
    return add_template(key, std::move(els));
  }

  // A NULL item gets an optional substitution: Windows readers (libevtx)
  // refuse NULL behind a normal one.
  static TemplatePiece item_substitution(size_t index, const TypedValue& value) {
    return substitution(static_cast<uint16_t>(index), value.type,
                        value.type == static_cast<uint8_t>(ValueType::kNull));
  }

  // The EventData / UserData template of one event shape.
  Result<uint32_t> body_template(const EventSpec& ev) {
    key.clear();
    key.push_back('B');
    key.push_back(static_cast<char>(ev.body));
    key_part(key, ev.provider_name);
    append_le(key, ev.event_id);
    append_le(key, ev.version);
    key_part(key, ev.user_data_element);
    append_le(key, static_cast<uint32_t>(ev.user_data_attributes.size()));
    for (const auto& [name, value] : ev.user_data_attributes) {
      key_part(key, name);
      key_part(key, value);
    }
    for (const DataItem& item : ev.data) {
      key_part(key, item.name);
      key.push_back(static_cast<char>(item.value.type));
    }
    const bool binary = ev.body == EventBody::kEventData && ev.binary.has_value();
    key.push_back(binary ? 'B' : '-');
    if (binary) key.push_back(static_cast<char>(ev.binary->type));
    if (auto it = template_ids.find(key); it != template_ids.end()) return it->second;

    if (ev.data.size() + (binary ? 1 : 0) > limits::kBinXmlMaxSubstitutions) {
      return too_large("more than " + std::to_string(limits::kBinXmlMaxSubstitutions) +
                       " data items");
    }
    std::vector<TemplateElement> els;
    if (ev.body == EventBody::kUserData) {
      if (ev.user_data_element.empty()) {
        return make_error(Errc::kInvalidArgument, "UserData event without an element name");
      }
      TemplateElement root = element(name_id(ev.user_data_element));
      for (const auto& [name, value] : ev.user_data_attributes) {
        root.attributes.emplace_back(name_id(name), literal(value));
      }
      els.push_back(std::move(root));
      for (size_t i = 0; i < ev.data.size(); ++i) {
        if (ev.data[i].name.empty()) {
          return make_error(Errc::kInvalidArgument, "UserData item without an element name");
        }
        TemplateElement leaf = element(name_id(ev.data[i].name));
        add_piece(leaf, item_substitution(i, ev.data[i].value));
        add_child(els, 0, std::move(leaf));
      }
    } else {
      els.push_back(element(name_id("EventData")));
      for (size_t i = 0; i < ev.data.size(); ++i) {
        TemplateElement data = element(name_id("Data"));
        if (!ev.data[i].name.empty()) {
          data.attributes.emplace_back(name_id("Name"), literal(ev.data[i].name));
        }
        add_piece(data, item_substitution(i, ev.data[i].value));
        add_child(els, 0, std::move(data));
      }
      if (binary) {
        TemplateElement element_binary = element(name_id("Binary"));
        add_piece(element_binary, item_substitution(ev.data.size(), *ev.binary));
        add_child(els, 0, std::move(element_binary));
      }
    }
    return add_template(key, std::move(els));
  }

  // Substitution values: a descriptor table (size, type) then the values.
  size_t begin_values(uint32_t count) {
    put32(count);
    const size_t table = rec.size();
    rec.append(4 * static_cast<size_t>(count), '\0');
    return table;
  }

  Result<void> end_value(size_t table, uint32_t index, size_t start, uint8_t type) {
    const size_t size = rec.size() - start;
    if (size > 0xFFFF) return too_large("a value larger than 65535 bytes");
    // Stop early when not even an empty chunk could hold the record, so a
    // huge event costs no more memory than one chunk.
    if (rec.size() > kChunkSize - kChunkHeaderSize) {
      return too_large("record larger than a chunk");
    }
    patch16(table + 4 * index, static_cast<uint16_t>(size));
    rec[table + 4 * index + 2] = static_cast<char>(type);
    return {};
  }

  Result<void> put_value(size_t table, uint32_t index, const TypedValue& v,
                         bool terminate_strings) {
    const size_t start = rec.size();
    rec.append(v.bytes);
    // Windows stores EventData strings with their terminating NUL.
    if (terminate_strings && v.type == static_cast<uint8_t>(ValueType::kUtf16)) put16(0);
    return end_value(table, index, start, v.type);
  }

  template <class T>
  void put_fixed(size_t table, uint32_t index, ValueType type, T v) {
    const size_t start = rec.size();
    append_le(rec, v);
    (void)end_value(table, index, start, static_cast<uint8_t>(type));
  }

  void put_null(size_t, uint32_t) {}  // the zeroed descriptor already says: NULL, size 0

  void put_guid(size_t table, uint32_t index, const std::optional<Guid>& g) {
    if (!g) return put_null(table, index);
    const size_t start = rec.size();
    rec.append(reinterpret_cast<const char*>(g->bytes.data()), 16);
    (void)end_value(table, index, start, static_cast<uint8_t>(ValueType::kGuid));
  }

  Result<void> put_text(size_t table, uint32_t index, std::string_view utf8) {
    if (utf8.empty()) return {};
    const size_t start = rec.size();
    append_utf16le(rec, utf8);
    return end_value(table, index, start, static_cast<uint8_t>(ValueType::kUtf16));
  }

  Result<void> emit_body(const EventSpec& ev, uint32_t body_tid) {
    if (ev.body == EventBody::kUserData) {
      put8(0x0f);
      put8(0x01);
      put8(0x01);
      put8(0x00);
    }
    if (auto r = emit_instance_header(body_tid); !r.ok()) return r;
    const bool binary = ev.body == EventBody::kEventData && ev.binary.has_value();
    const auto count = static_cast<uint32_t>(ev.data.size() + (binary ? 1 : 0));
    const size_t table = begin_values(count);
    for (size_t i = 0; i < ev.data.size(); ++i) {
      if (auto r = put_value(table, static_cast<uint32_t>(i), ev.data[i].value, true); !r.ok())
        return r;
    }
    if (binary) {
      if (auto r = put_value(table, count - 1, *ev.binary, true); !r.ok()) return r;
    }
    put8(0x00);
    return {};
  }

  Result<void> serialise(const EventSpec& ev, uint64_t record_id, uint32_t base) {
    rec.clear();
    rec_base = base;
    new_names.clear();
    new_templates.clear();
    std::memcpy(saved_string_buckets, string_buckets, sizeof string_buckets);
    std::memcpy(saved_template_buckets, template_buckets, sizeof template_buckets);

    const uint32_t system_tid = system_template(ev);
    uint32_t body_tid = 0;
    if (ev.body != EventBody::kNone) {
      auto b = body_template(ev);
      if (!b.ok()) return b.error();
      body_tid = *b;
    }

    const uint64_t filetime = ev.time_created.is_set()
                                  ? static_cast<uint64_t>(ev.time_created.ticks) +
                                        static_cast<uint64_t>(Timestamp::kFiletimeEpochOffset)
                                  : 0;
    put32(kRecordSignature);
    put32(0);  // size, patched below
    put64(record_id);
    put64(filetime);
    put8(0x0f);
    put8(0x01);
    put8(0x01);
    put8(0x00);
    if (auto r = emit_instance_header(system_tid); !r.ok()) return r;
    const uint32_t count =
        ev.event_source_name.empty() ? kBodySubstitution + 1 : kEventSourceSubstitution + 1;
    const size_t table = begin_values(count);
    put_fixed(table, 0, ValueType::kUInt8, ev.level);
    put_fixed(table, 1, ValueType::kUInt8, ev.opcode);
    put_fixed(table, 2, ValueType::kUInt16, ev.task);
    put_fixed(table, 3, ValueType::kUInt16, ev.event_id);
    if (ev.qualifiers) put_fixed(table, 4, ValueType::kUInt16, *ev.qualifiers);
    put_fixed(table, 5, ValueType::kHexInt64, ev.keywords);
    put_fixed(table, 6, ValueType::kFileTime, filetime);
    put_guid(table, 7, ev.activity_id);
    if (ev.process_id) put_fixed(table, 8, ValueType::kUInt32, *ev.process_id);
    if (ev.thread_id) put_fixed(table, 9, ValueType::kUInt32, *ev.thread_id);
    put_fixed(table, 10, ValueType::kUInt64, record_id);
    put_fixed(table, 11, ValueType::kUInt8, ev.version);
    if (ev.user_id) {
      const size_t start = rec.size();
      rec.append(ev.user_id->bytes);
      if (auto r = end_value(table, 12, start, static_cast<uint8_t>(ValueType::kSid)); !r.ok())
        return r;
    }
    put_guid(table, 13, ev.related_activity_id);
    if (auto r = put_text(table, 14, ev.provider_name); !r.ok()) return r;
    put_guid(table, 15, ev.provider_guid);
    if (auto r = put_text(table, 16, ev.channel); !r.ok()) return r;
    if (ev.body != EventBody::kNone) {
      const size_t start = rec.size();
      if (auto r = emit_body(ev, body_tid); !r.ok()) return r;
      if (auto r =
              end_value(table, kBodySubstitution, start, static_cast<uint8_t>(ValueType::kBinXml));
          !r.ok()) {
        return r;
      }
    }
    if (!ev.event_source_name.empty()) {
      if (auto r = put_text(table, kEventSourceSubstitution, ev.event_source_name); !r.ok())
        return r;
    }
    put8(0x00);
    // Records are padded to 8 bytes, then end with a copy of their size.
    const size_t size = (rec.size() + 4 + 7) & ~static_cast<size_t>(7);
    rec.resize(size - 4, '\0');
    put32(static_cast<uint32_t>(size));
    patch32(4, static_cast<uint32_t>(std::min<size_t>(size, UINT32_MAX)));
    return {};
  }

  void rollback() {
    for (uint32_t id : new_names) names[id].chunk_generation = 0;
    for (uint32_t id : new_templates) templates[id].chunk_generation = 0;
    std::memcpy(string_buckets, saved_string_buckets, sizeof string_buckets);
    std::memcpy(template_buckets, saved_template_buckets, sizeof template_buckets);
    new_names.clear();
    new_templates.clear();
  }

  // Windows never fills a chunk to its last byte (free space offset stays
  // below 64 KiB), and libevtx drops a record that ends exactly there.
  bool fits() const { return rec_base + rec.size() < kChunkSize; }

  void commit(uint64_t record_id) {
    std::memcpy(chunk.data() + free_offset, rec.data(), rec.size());
    last_record_offset = free_offset;
    free_offset += static_cast<uint32_t>(rec.size());
    if (chunk_records == 0 || record_id < chunk_min_id) chunk_min_id = record_id;
    if (chunk_records == 0 || record_id > chunk_max_id) chunk_max_id = record_id;
    ++chunk_records;
    ++records;
    next_record_id = std::max(next_record_id, record_id + 1);
  }

  Result<void> write_file_header(bool clean) {
    uint8_t h[kFileHeaderSize] = {};
    std::memcpy(h, kFileSignature, 8);
    const uint64_t chunk_count = chunks_flushed;
    store<uint64_t>(h + 8, 0);
    store<uint64_t>(h + 16, chunk_count > 0 ? chunk_count - 1 : 0);
    store<uint64_t>(h + 24, next_record_id);
    store<uint32_t>(h + 32, 128);
    store<uint16_t>(h + 36, 1);  // format 3.1
    store<uint16_t>(h + 38, 3);
    store<uint16_t>(h + 40, static_cast<uint16_t>(kFileHeaderSize));
    store<uint16_t>(h + 42, static_cast<uint16_t>(std::min<uint64_t>(chunk_count, 0xFFFF)));
    store<uint32_t>(h + 120, clean ? 0 : 1);  // 1: dirty, as Windows marks an open log
    store<uint32_t>(h + 124, crc32_of(h, 120));
    return sink->write_at(0, std::span<const uint8_t>(h, sizeof h));
  }

  Result<void> flush_chunk() {
    if (!header_written) {
      if (auto r = write_file_header(false); !r.ok()) return r;
      header_written = true;
    }
    uint8_t* p = chunk.data();
    std::memcpy(p, kChunkSignature, 8);
    store<uint64_t>(p + 8, chunk_min_id);
    store<uint64_t>(p + 16, chunk_max_id);
    store<uint64_t>(p + 24, chunk_min_id);
    store<uint64_t>(p + 32, chunk_max_id);
    store<uint32_t>(p + 40, 128);
    store<uint32_t>(p + 44, last_record_offset);
    store<uint32_t>(p + 48, free_offset);
    store<uint32_t>(p + 52, crc32_of(p + kChunkHeaderSize, free_offset - kChunkHeaderSize));
    store<uint32_t>(p + 120, 1);
    for (uint32_t i = 0; i < kStringBuckets; ++i)
      store<uint32_t>(p + kStringTableOffset + 4 * i, string_buckets[i]);
    for (uint32_t i = 0; i < kTemplateBuckets; ++i) {
      store<uint32_t>(p + kTemplateTableOffset + 4 * i, template_buckets[i]);
    }
    store<uint32_t>(p + 124, crc32_of(p + 128, kChunkHeaderSize - 128, crc32_of(p, 120)));
    const uint64_t offset = kFileHeaderSize + static_cast<uint64_t>(chunks_flushed) * kChunkSize;
    if (auto r = sink->write_at(offset, chunk); !r.ok()) return r;
    ++chunks_flushed;
    start_chunk();
    return {};
  }

  Result<void> add(const EventSpec& ev) {
    if (finished) return make_error(Errc::kInvalidArgument, "the writer is finished");
    const uint64_t record_id = ev.record_id != 0 ? ev.record_id : next_record_id;
    auto r = serialise(ev, record_id, free_offset);
    if (!r.ok()) {
      rollback();
      return r;
    }
    if (fits()) {
      commit(record_id);
      return {};
    }
    rollback();
    if (chunk_records == 0) {
      return too_large("record of " + std::to_string(rec.size()) +
                       " bytes does not fit in a chunk");
    }
    if (options.max_chunks != 0 && chunks_flushed + 1 >= options.max_chunks) {
      full = true;
      return too_large("the log is full (" + std::to_string(options.max_chunks) + " chunks)");
    }
    if (auto f = flush_chunk(); !f.ok()) return f;
    r = serialise(ev, record_id, free_offset);
    if (r.ok() && fits()) {
      commit(record_id);
      return {};
    }
    rollback();
    if (!r.ok()) return r;
    return too_large("record of " + std::to_string(rec.size()) + " bytes does not fit in a chunk");
  }

  Result<void> finish() {
    if (finished) return make_error(Errc::kInvalidArgument, "the writer is already finished");
    finished = true;
    if (chunk_records > 0) {
      if (auto r = flush_chunk(); !r.ok()) return r;
    }
    if (auto r = write_file_header(true); !r.ok()) return r;
    if (owned_sink) return owned_sink->close();
    return {};
  }
};

Result<EvtxWriter> EvtxWriter::create(const std::string& path, WriterOptions options) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error{Errc::kIoError, std::string("cannot create: ") + std::strerror(errno), path,
                 UINT64_MAX};
  }
  auto sink = std::make_unique<FileSink>(fd);
  EvtxWriter writer(*sink, options);
  writer.impl_->owned_sink = std::move(sink);
  return Result<EvtxWriter>(std::move(writer));
}

EvtxWriter::EvtxWriter(EvtxSink& sink, WriterOptions options)
    : impl_(std::make_unique<Impl>(sink, options)) {}
EvtxWriter::EvtxWriter(EvtxWriter&&) noexcept = default;
EvtxWriter& EvtxWriter::operator=(EvtxWriter&&) noexcept = default;
EvtxWriter::~EvtxWriter() = default;

Result<void> EvtxWriter::add(const EventSpec& event) { return impl_->add(event); }
Result<void> EvtxWriter::finish() { return impl_->finish(); }
bool EvtxWriter::full() const { return impl_->full; }
uint64_t EvtxWriter::records() const { return impl_->records; }
uint32_t EvtxWriter::chunks() const {
  return impl_->chunks_flushed + (impl_->chunk_records > 0 ? 1 : 0);
}
uint64_t EvtxWriter::file_size() const {
  return kFileHeaderSize + static_cast<uint64_t>(chunks()) * kChunkSize;
}

}  // namespace vigil::evtx
