// Chunk, record and binary XML parsing.

#include <atomic>
#include <cstring>

#include "vigil/core/crc32.h"
#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {

namespace {

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t crc32_of(const uint8_t* p, size_t n, uint32_t crc = 0) { return vigil::crc32(crc, p, n); }

// Binary XML tokens (low 6 bits; 0x40 marks "more follows"/"has attributes").
enum Token : uint8_t {
  kEndOfStream = 0x00,
  kOpenStart = 0x01,
  kCloseStart = 0x02,
  kCloseEmpty = 0x03,
  kEndElement = 0x04,
  kValueText = 0x05,
  kAttribute = 0x06,
  kCDataSection = 0x07,
  kCharRef = 0x08,
  kEntityRef = 0x09,
  kPITarget = 0x0a,
  kPIData = 0x0b,
  kTemplateInstance = 0x0c,
  kNormalSubstitution = 0x0d,
  kOptionalSubstitution = 0x0e,
  kFragmentHeader = 0x0f,
};

Error corrupt(std::string message, uint64_t offset) {
  return make_error(Errc::kCorrupt, std::move(message), offset);
}

Error truncated(const char* what, uint64_t offset) {
  return make_error(Errc::kTruncated, std::string(what) + " runs past its bounds", offset);
}

}  // namespace

// --- File header -------------------------------------------------------------

bool looks_like_evtx(std::span<const uint8_t> b) {
  if (b.size() >= 8 && std::memcmp(b.data(), kFileSignature, 8) == 0) return true;
  return b.size() >= limits::kEvtxFileHeaderSize + 8 &&
         std::memcmp(b.data() + limits::kEvtxFileHeaderSize, kChunkSignature, 8) == 0;
}

Result<FileHeader> parse_file_header(std::span<const uint8_t> b) {
  if (b.size() < 128) return make_error(Errc::kTruncated, "file header shorter than 128 bytes", 0);
  if (std::memcmp(b.data(), kFileSignature, 8) != 0) {
    return make_error(Errc::kBadSignature, "no ElfFile signature", 0);
  }
  const uint8_t* p = b.data();
  FileHeader h;
  h.first_chunk = load<uint64_t>(p + 8);
  h.last_chunk = load<uint64_t>(p + 16);
  h.next_record_id = load<uint64_t>(p + 24);
  h.header_size = load<uint32_t>(p + 32);
  h.minor_version = load<uint16_t>(p + 36);
  h.major_version = load<uint16_t>(p + 38);
  h.header_block_size = load<uint16_t>(p + 40);
  h.chunk_count = load<uint16_t>(p + 42);
  h.flags = load<uint32_t>(p + 120);
  h.checksum = load<uint32_t>(p + 124);
  h.checksum_ok = crc32_of(p, 120) == h.checksum;
  return h;
}

// --- Names -------------------------------------------------------------------

namespace {
// Generations are unique in the process, not per table: a consumer's cache
// keyed by (table address, generation) stays correct even when a parser
// dies and another is built at the same address.
uint64_t next_generation() {
  static std::atomic<uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace

void ChunkNames::reset() {
  used_ = 0;
  by_offset_.clear();
  generation_ = next_generation();
}

FieldId ChunkNames::field(uint32_t index, FieldNames& names) const {
  const Entry& e = entries_[index];
  if (e.field == kNoField) e.field = names.intern(e.text);
  return e.field;
}

Result<uint32_t> ChunkNames::at_offset(std::span<const uint8_t> chunk, uint32_t offset) {
  if (const uint32_t known = by_offset_.find(offset); known != 0) return known - 1;
  // next-offset(4) hash(2) char-count(2) UTF-16 chars, NUL
  if (offset < kChunkHeaderSize || static_cast<uint64_t>(offset) + 8 > chunk.size()) {
    return corrupt("name offset outside the chunk", offset);
  }
  const uint16_t count = load<uint16_t>(chunk.data() + offset + 6);
  if (static_cast<uint64_t>(offset) + 8 + 2ull * count > chunk.size()) {
    return truncated("name", offset);
  }
  if (used_ == entries_.size()) entries_.emplace_back();
  Entry& e = entries_[used_];
  e.text.clear();
  e.field = kNoField;
  append_utf16le_as_utf8(e.text, chunk.data() + offset + 8, count);
  const auto index = static_cast<uint32_t>(used_++);
  by_offset_.insert(offset, index + 1);
  return index;
}

// --- Template identity -------------------------------------------------------

TemplateIdentity::TemplateIdentity() : stamp_(next_generation()) {}

TemplateIdentity::TemplateIdentity(TemplateIdentity&& other) noexcept
    : ids_(std::move(other.ids_)),
      name_ids_(std::move(other.name_ids_)),
      stamp_(other.stamp_),
      scratch_(std::move(other.scratch_)) {
  other.clear();
}

TemplateIdentity& TemplateIdentity::operator=(TemplateIdentity&& other) noexcept {
  if (this != &other) {
    ids_ = std::move(other.ids_);
    name_ids_ = std::move(other.name_ids_);
    stamp_ = other.stamp_;
    scratch_ = std::move(other.scratch_);
    chunk_names_generation_ = 0;
    other.clear();
  }
  return *this;
}

uint32_t TemplateIdentity::name_id(uint32_t index, const ChunkNames& names) {
  if (chunk_names_generation_ != names.generation()) {
    chunk_names_generation_ = names.generation();
    chunk_name_ids_.clear();
  }
  if (index >= chunk_name_ids_.size()) chunk_name_ids_.resize(index + 1, UINT32_MAX);
  uint32_t& id = chunk_name_ids_[index];
  if (id == UINT32_MAX) {
    const std::string_view text = names.text(index);
    if (auto it = name_ids_.find(text); it != name_ids_.end()) {
      id = it->second;
    } else {
      id = static_cast<uint32_t>(name_ids_.size());
      name_ids_.emplace(std::string(text), id);
    }
  }
  return id;
}

uint32_t TemplateIdentity::id(const TemplateDef& tmpl, const ChunkNames& names) {
  if (tmpl.identity_stamp == stamp_ && tmpl.identity_generation == names.generation()) {
    return tmpl.identity;
  }
  // The canonical form: every node with its names (as ids of their text,
  // the same in every chunk) and its literal values as bytes; nothing that
  // depends on where the chunk put things. Written through a pointer into
  // a buffer sized for the worst case: 12 bytes per node plus the values.
  size_t bound = 0;
  for (const Node& n : tmpl.nodes) bound += 12 + n.value.size;
  if (scratch_.size() < bound) scratch_.resize(bound);
  char* out = scratch_.data();
  auto put = [&](const void* p, size_t n) {
    std::memcpy(out, p, n);
    out += n;
  };
  for (const Node& n : tmpl.nodes) {
    *out++ = static_cast<char>(n.kind);
    switch (n.kind) {
      case NodeKind::kStart:
      case NodeKind::kAttr:
      case NodeKind::kEntityRef:
      case NodeKind::kPITarget: {
        const uint32_t name = name_id(n.name, names);
        put(&name, sizeof name);
        if (n.kind == NodeKind::kStart) {
          *out++ = static_cast<char>(n.optional);
          if (n.optional) put(&n.sub_index, sizeof n.sub_index);
        }
        break;
      }
      case NodeKind::kSubstitution:
        put(&n.sub_index, sizeof n.sub_index);
        *out++ = static_cast<char>(n.optional);
        *out++ = static_cast<char>(n.value.raw_type);
        break;
      case NodeKind::kText:
      case NodeKind::kCData:
      case NodeKind::kCharRef:
      case NodeKind::kPIData:
        *out++ = static_cast<char>(n.value.raw_type);
        put(&n.value.size, sizeof n.value.size);
        if (n.value.size != 0) put(n.value.data, n.value.size);
        break;
      case NodeKind::kStartClose:
      case NodeKind::kEnd: break;
    }
  }
  const std::string_view canonical(scratch_.data(), static_cast<size_t>(out - scratch_.data()));
  uint32_t id;
  if (auto it = ids_.find(canonical); it != ids_.end()) {
    id = it->second;
  } else {
    id = static_cast<uint32_t>(ids_.size());
    ids_.emplace(std::string(canonical), id);
  }
  tmpl.identity_stamp = stamp_;
  tmpl.identity_generation = names.generation();
  tmpl.identity = id;
  return id;
}

void TemplateIdentity::clear() {
  ids_.clear();
  name_ids_.clear();
  chunk_name_ids_.clear();
  chunk_names_generation_ = 0;
  stamp_ = next_generation();
}

// --- Chunk -------------------------------------------------------------------

Result<ChunkHeader> ChunkParser::parse_header(std::span<const uint8_t> c) {
  if (c.size() < kChunkHeaderSize) return make_error(Errc::kTruncated, "chunk header cut short", 0);
  if (std::memcmp(c.data(), kChunkSignature, 8) != 0) {
    return make_error(Errc::kBadSignature, "no ElfChnk signature", 0);
  }
  const uint8_t* p = c.data();
  ChunkHeader h;
  h.first_record_number = load<uint64_t>(p + 8);
  h.last_record_number = load<uint64_t>(p + 16);
  h.first_record_id = load<uint64_t>(p + 24);
  h.last_record_id = load<uint64_t>(p + 32);
  h.header_size = load<uint32_t>(p + 40);
  h.last_record_offset = load<uint32_t>(p + 44);
  h.free_space_offset = load<uint32_t>(p + 48);
  h.records_checksum = load<uint32_t>(p + 52);
  h.flags = load<uint32_t>(p + 120);
  h.header_checksum = load<uint32_t>(p + 124);
  return h;
}

namespace {

// A plausible record header at `off`: signature, sane size, trailing size copy.
bool record_at(std::span<const uint8_t> c, uint32_t off, uint32_t limit, uint32_t& size) {
  if (static_cast<uint64_t>(off) + kMinRecordSize > limit) return false;
  if (load<uint32_t>(c.data() + off) != kRecordSignature) return false;
  size = load<uint32_t>(c.data() + off + 4);
  if (size < kMinRecordSize || static_cast<uint64_t>(off) + size > limit) return false;
  return load<uint32_t>(c.data() + off + size - 4) == size;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

}  // namespace

size_t ChunkParser::parse(std::span<const uint8_t> chunk, uint64_t file_offset, RecordSink& sink) {
  chunk_ = chunk;
  file_offset_ = file_offset;
  names_.reset();
  template_slot_.clear();
  templates_used_ = 0;
  size_t delivered = 0;

  if (chunk.size() < kChunkHeaderSize) {
    if (!all_zero(chunk.data(), chunk.size())) {
      sink.on_damage({file_offset, Errc::kTruncated,
                      "chunk cut short at " + std::to_string(chunk.size()) + " bytes"});
    }
    return 0;
  }
  auto header = parse_header(chunk);
  if (!header.ok()) {
    // Never-used slots of a preallocated log are all zeros: not damage.
    if (all_zero(chunk.data(), std::min<size_t>(chunk.size(), kChunkHeaderSize))) return 0;
    sink.on_damage({file_offset, Errc::kBadSignature, "chunk has no ElfChnk signature"});
    if (options_.recover_slack) carve_slack(kChunkHeaderSize, sink, delivered);
    return delivered;
  }
  const ChunkHeader& h = *header;
  const uint8_t* p = chunk.data();
  const uint32_t header_crc = crc32_of(p + 128, 384, crc32_of(p, 120));
  if (header_crc != h.header_checksum) {
    sink.on_damage({file_offset, Errc::kBadChecksum, "chunk header checksum mismatch"});
  }
  const auto size = static_cast<uint32_t>(chunk.size());
  uint32_t limit = h.free_space_offset;
  if (limit < kChunkHeaderSize || limit > size) {
    if (h.free_space_offset > size && size < limits::kEvtxChunkSize) {
      sink.on_damage({file_offset + size, Errc::kTruncated,
                      "chunk cut short: records expected up to offset " +
                          std::to_string(h.free_space_offset)});
    } else {
      sink.on_damage({file_offset + 48, Errc::kCorrupt,
                      "free space offset " + std::to_string(h.free_space_offset) +
                          " outside the chunk; scanning for records"});
    }
    limit = size;
  } else if (crc32_of(p + kChunkHeaderSize, limit - kChunkHeaderSize) != h.records_checksum) {
    sink.on_damage({file_offset, Errc::kBadChecksum, "chunk records checksum mismatch"});
  }

  uint32_t off = kChunkHeaderSize;
  uint32_t stale = 0;
  while (static_cast<uint64_t>(off) + kMinRecordSize <= limit) {
    uint32_t rec_size = 0;
    if (!record_at(chunk, off, limit, rec_size)) {
      if (limit == size && all_zero(p + off, std::min<size_t>(limit - off, 64))) break;
      const uint32_t claimed = load<uint32_t>(p + off + 4);
      if (load<uint32_t>(p + off) == kRecordSignature && claimed > limit - off &&
          static_cast<uint64_t>(off) + claimed <= limits::kEvtxChunkSize && limit == size &&
          size < limits::kEvtxChunkSize) {
        sink.on_damage({file_offset + off, Errc::kTruncated,
                        "record " + std::to_string(load<uint64_t>(p + off + 8)) + " cut short: " +
                            std::to_string(claimed) + " bytes, " + std::to_string(limit - off) +
                            " remain"});
        break;
      }
      // Step over the damage to the next plausible record (records are 8-byte aligned).
      uint32_t next = (off + 8) & ~7u;
      uint32_t next_size = 0;
      while (static_cast<uint64_t>(next) + kMinRecordSize <= limit &&
             !record_at(chunk, next, limit, next_size)) {
        next += 8;
      }
      sink.on_damage({file_offset + off, Errc::kCorrupt,
                      "no valid record here; skipped " + std::to_string(next - off) + " bytes"});
      off = next;
      continue;
    }
    const uint64_t rec_id = load<uint64_t>(p + off + 8);
    // The header says which record ids the chunk holds. A valid record with
    // another id was mixed in from another copy of the chunk (shadow copies,
    // reused blocks): still evidence, so delivered, but flagged as recovered.
    const bool foreign = rec_id < h.first_record_id || rec_id > h.last_record_id;
    if (foreign) ++stale;
    auto r = parse_record(off, rec_size, foreign, sink);
    if (r.ok()) {
      ++delivered;
    } else {
      Error e = r.error();
      // The place is the byte at fault when it lies in the chunk; a bogus
      // reference (e.g. a template offset past the end) is named in the
      // message and the record itself is the place.
      const bool inside = e.offset != UINT64_MAX && e.offset < chunk.size();
      std::string message = "record " + std::to_string(load<uint64_t>(p + off + 8)) +
                            " at chunk offset " + std::to_string(off) + ": " + e.message;
      if (!inside && e.offset != UINT64_MAX) message += " (offset " + std::to_string(e.offset) + ")";
      sink.on_damage({file_offset + (inside ? e.offset : off), e.code, std::move(message)});
    }
    off += rec_size;
  }
  if (stale > 0) {
    sink.on_damage({file_offset, Errc::kOk,
                    std::to_string(stale) +
                        " record(s) with ids outside the chunk's range, delivered as recovered"});
  }
  if (options_.recover_slack) carve_slack(off, sink, delivered);
  return delivered;
}

void ChunkParser::carve_slack(uint32_t from, RecordSink& sink, size_t& delivered) {
  const auto size = static_cast<uint32_t>(chunk_.size());
  uint32_t off = (from + 7) & ~7u;
  while (static_cast<uint64_t>(off) + kMinRecordSize <= size) {
    uint32_t rec_size = 0;
    if (!record_at(chunk_, off, size, rec_size)) {
      off += 8;
      continue;
    }
    // A carved record may be partly overwritten: a failure is expected and
    // only means this candidate is not recoverable.
    if (parse_record(off, rec_size, true, sink).ok()) {
      ++delivered;
      off += rec_size;
    } else {
      off += 8;
    }
  }
}

Result<void> ChunkParser::parse_record(uint32_t offset, uint32_t size, bool recovered,
                                       RecordSink& sink) {
  const uint8_t* c = chunk_.data();
  const uint8_t* p = c + offset;
  Record rec;
  rec.record_id = load<uint64_t>(p + 8);
  rec.written = Timestamp::from_filetime(load<uint64_t>(p + 16));
  rec.file_offset = file_offset_ + offset;
  rec.recovered = recovered;
  nodes_.clear();
  values_.clear();
  nested_values_.clear();
  expansions_ = 0;
  expanded_ = false;
  expand_error_ = {};  // an earlier record's failure must not stick to this one
  flat_next_ = 0;
  root_ = {};

  uint32_t pos = offset + kRecordHeaderSize;
  const uint32_t end = offset + size - 4;
  // The common shape: [fragment header] template instance, end of stream.
  // Its values are read without expanding the template, so a consumer that
  // works from the template (the field plans) never builds the node stream.
  uint32_t probe = pos;
  if (probe + 4 <= end && (c[probe] & 0x3f) == 0x0f) probe += 4;
  if (probe < end && (c[probe] & 0x3f) == 0x0c) {
    ++probe;
    auto inst = read_instance(probe, end);
    if (!inst.ok()) return inst.error();
    if (probe >= end || c[probe] == 0x00) {
      root_ = *inst;
      rec.tmpl = inst->tmpl;
      rec.values = std::span<const Value>(values_.data() + inst->base, inst->count);
    } else {
      values_.clear();
      expansions_ = 0;
    }
  }
  record_begin_ = pos;
  record_end_ = end;
  rec.parser = this;
  if (!sink.lazy() || rec.tmpl == nullptr) {
    auto nodes = expand_current();
    if (!nodes.ok()) return nodes.error();
    rec.nodes = *nodes;
  }
  sink.on_record(rec, names_);
  if (!expand_error_.ok()) return expand_error_;
  return {};
}

Result<std::span<const Node>> ChunkParser::expand_current() {
  if (!expanded_) {
    expanded_ = true;
    nodes_.clear();
    // Flat slots restart after the root instance's values, whatever was
    // read since (nested instances read by a consumer before expanding).
    flat_next_ = root_.tmpl != nullptr ? root_.count : 0;
    Result<void> r;
    if (root_.tmpl != nullptr) {
      r = emit_instance(root_, 0, nodes_);
    } else {
      uint32_t consumed = 0;
      r = parse_fragment(record_begin_, record_end_, false, 0, nodes_, &consumed);
    }
    if (r.ok() && nodes_.empty()) r = corrupt("record holds no XML", record_begin_);
    expand_error_ = r;
  }
  if (!expand_error_.ok()) return expand_error_.error();
  return std::span<const Node>(nodes_);
}

Result<NestedInstance> ChunkParser::nested_instance(const Value& binxml, std::vector<Value>& values) {
  const uint8_t* c = chunk_.data();
  if (binxml.size == 0 || binxml.data < c || binxml.data + binxml.size > c + chunk_.size()) {
    return make_error(Errc::kInvalidArgument, "not a value of this chunk");
  }
  auto pos = static_cast<uint32_t>(binxml.data - c);
  const uint32_t end = pos + binxml.size;
  if (pos + 4 <= end && (c[pos] & 0x3f) == 0x0f) pos += 4;
  if (pos >= end || (c[pos] & 0x3f) != 0x0c) {
    return make_error(Errc::kUnsupported, "nested binary XML is not one template instance", pos);
  }
  ++pos;
  values.clear();
  auto inst = read_instance_into(pos, end, values);
  if (!inst.ok()) return inst.error();
  if (pos < end && c[pos] != 0x00) {
    return make_error(Errc::kUnsupported, "nested binary XML continues after its instance", pos);
  }
  return NestedInstance{inst->tmpl, std::span<const Value>(values.data(), inst->count)};
}

std::span<const Node> Record::expand() const {
  if (!nodes.empty() || parser == nullptr) return nodes;
  auto r = parser->expand_current();
  return r.ok() ? *r : std::span<const Node>();
}

Result<uint32_t> ChunkParser::read_name(uint32_t& pos, uint32_t end) {
  if (static_cast<uint64_t>(pos) + 4 > end) return truncated("name reference", pos);
  const uint32_t name_offset = load<uint32_t>(chunk_.data() + pos);
  pos += 4;
  auto index = names_.at_offset(chunk_, name_offset);
  if (!index.ok()) return index;
  if (name_offset == pos) {
    // Defined in place: step over next-offset, hash, count, chars and NUL.
    const uint16_t count = load<uint16_t>(chunk_.data() + pos + 6);
    const uint64_t skip = 8 + 2ull * count + 2;
    if (pos + skip > end) return truncated("inline name", pos);
    pos += static_cast<uint32_t>(skip);
  }
  return index;
}

Result<const TemplateDef*> ChunkParser::template_at(uint32_t def_offset) {
  // Definitions live in a pool reused from chunk to chunk: no allocation
  // once the pool is warm.
  if (const uint32_t slot = template_slot_.find(def_offset); slot != 0) {
    const TemplateDef& known = *template_pool_[slot - 1];
    if (!known.valid) return known.error;
    return &known;
  }
  if (templates_used_ == template_pool_.size()) {
    template_pool_.push_back(std::make_unique<TemplateDef>());
  }
  TemplateDef& t = *template_pool_[templates_used_++];
  t.nodes.clear();
  t.substitutions.clear();
  t.valid = false;
  t.error = {};
  template_slot_.insert(def_offset, static_cast<uint32_t>(templates_used_));
  // next-def-offset(4) guid(16) data-size(4) binary XML
  const auto chunk_size = static_cast<uint32_t>(chunk_.size());
  if (def_offset < kChunkHeaderSize || static_cast<uint64_t>(def_offset) + 24 > chunk_size) {
    t.error = corrupt("template definition offset outside the chunk", def_offset);
    return t.error;
  }
  const uint32_t data_size = load<uint32_t>(chunk_.data() + def_offset + 20);
  const uint64_t data_end = static_cast<uint64_t>(def_offset) + 24 + data_size;
  if (data_end > chunk_size) {
    t.error = truncated("template definition", def_offset);
    return t.error;
  }
  uint32_t consumed = 0;
  auto r = parse_fragment(def_offset + 24, static_cast<uint32_t>(data_end), true, 1, t.nodes,
                          &consumed);
  if (!r.ok()) {
    t.nodes.clear();
    t.error = r.error();
    return t.error;
  }
  t.offset = def_offset;
  std::vector<uint32_t>& open = open_scratch_;
  open.clear();
  for (uint32_t k = 0; k < t.nodes.size(); ++k) {
    Node& n = t.nodes[k];
    if (n.kind == NodeKind::kSubstitution) t.substitutions.push_back(n.sub_index);
    if (n.kind == NodeKind::kStart) open.push_back(k);
    if (n.kind == NodeKind::kEnd && !open.empty()) {
      // A start's slot holds the index of its end, to skip a removed element.
      t.nodes[open.back()].slot = k;
      open.pop_back();
    }
  }
  t.valid = true;
  return &t;
}

Result<ChunkParser::Instance> ChunkParser::read_instance(uint32_t& pos, uint32_t end) {
  return read_instance_into(pos, end, values_);
}

Result<ChunkParser::Instance> ChunkParser::read_instance_into(uint32_t& pos, uint32_t end,
                                                              std::vector<Value>& values) {
  const uint8_t* c = chunk_.data();
  // token(1, already read) unknown(1) template-id(4) definition-offset(4)
  if (static_cast<uint64_t>(pos) + 9 > end) return truncated("template instance", pos);
  const uint32_t template_id = load<uint32_t>(c + pos + 1);
  const uint32_t def_offset = load<uint32_t>(c + pos + 5);
  pos += 9;
  if (def_offset == pos) {
    // Definition in place: skip it, the cache parses it from its offset.
    if (static_cast<uint64_t>(pos) + 24 > end) return truncated("template definition", pos);
    const uint64_t skip = 24ull + load<uint32_t>(c + pos + 20);
    if (pos + skip > end) return truncated("template definition", pos);
    pos += static_cast<uint32_t>(skip);
  }
  if (++expansions_ > limits::kBinXmlMaxTemplateExpansions) {
    return make_error(Errc::kLimitExceeded, "too many template expansions in one record", pos);
  }
  auto tmpl = template_at(def_offset);
  if (!tmpl.ok()) return tmpl.error();
  // The instance names its template by the first four bytes of the
  // definition's GUID. A mismatch means the bytes at that offset now hold
  // another template (a reused or shadow-copied chunk): rendering with it
  // would put values under the wrong names.
  if (load<uint32_t>(c + def_offset + 4) != template_id) {
    return corrupt("template instance names template " + std::to_string(template_id) +
                       " but its definition is another",
                   pos);
  }

  if (static_cast<uint64_t>(pos) + 4 > end) return truncated("substitution count", pos);
  const uint32_t count = load<uint32_t>(c + pos);
  pos += 4;
  if (count > limits::kBinXmlMaxSubstitutions) {
    return make_error(Errc::kLimitExceeded,
                      "template instance with " + std::to_string(count) + " substitutions", pos);
  }
  if (static_cast<uint64_t>(pos) + 4ull * count > end) return truncated("substitution table", pos);
  const uint32_t table = pos;
  uint64_t data = static_cast<uint64_t>(pos) + 4ull * count;
  // Values lie back to back after the descriptor table. Nested instances
  // stack their values on top of the enclosing ones in values.
  Instance inst{*tmpl, static_cast<uint32_t>(values.size()), count, flat_next_, &values};
  flat_next_ += count;
  values.resize(inst.base + count);
  // Locals, not values[...]: the byte loads and stores below may alias
  // anything, which would make the compiler reload the vector's pointer and
  // the chunk's on every step.
  Value* const out = values.data() + inst.base;
  const uint8_t* const descriptors = c + table;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t vsize = load<uint16_t>(descriptors + 4 * i);
    const uint8_t vtype = descriptors[4 * i + 2];
    if (data + vsize > end) {
      values.resize(inst.base);
      return truncated("substitution value", static_cast<uint32_t>(data));
    }
    out[i] = Value(c + data, vsize, vtype);
    data += vsize;
  }
  pos = static_cast<uint32_t>(data);
  return inst;
}

Result<void> ChunkParser::emit_instance(const Instance& inst, uint32_t depth,
                                        std::vector<Node>& out) {
  const uint8_t* c = chunk_.data();
  const std::vector<Node>& tnodes = inst.tmpl->nodes;
  for (size_t k = 0; k < tnodes.size(); ++k) {
    const Node& n = tnodes[k];
    if (n.kind == NodeKind::kStart) {
      if (n.optional && n.sub_index < inst.count &&
          (*inst.store)[inst.base + n.sub_index].raw_type ==
              static_cast<uint8_t>(ValueType::kNull) &&
          n.slot > k) {
        k = n.slot;  // its dependency is NULL: the element is not rendered
        continue;
      }
      Node start = n;
      start.optional = false;
      start.sub_index = 0;
      start.slot = 0;
      out.push_back(start);
      continue;
    }
    if (n.kind != NodeKind::kSubstitution) {
      out.push_back(n);
      continue;
    }
    // Windows omits substitutions the instance does not provide.
    if (n.sub_index >= inst.count) continue;
    const Value v = (*inst.store)[inst.base + n.sub_index];
    if (v.raw_type == static_cast<uint8_t>(ValueType::kBinXml)) {
      if (v.size == 0) continue;
      if (depth + 1 > limits::kBinXmlMaxDepth) {
        return make_error(Errc::kLimitExceeded, "binary XML nested too deep",
                          static_cast<uint64_t>(v.data - c));
      }
      const auto vbegin = static_cast<uint32_t>(v.data - c);
      uint32_t consumed = 0;
      auto r = parse_fragment(vbegin, vbegin + v.size, false, depth + 1, out, &consumed);
      if (!r.ok()) return r;
      continue;
    }
    if (v.raw_type == static_cast<uint8_t>(ValueType::kNull) || (v.size == 0 && n.optional)) {
      // An attribute whose only value is an absent optional substitution is not rendered.
      if (n.optional && !out.empty() && out.back().kind == NodeKind::kAttr &&
          (k + 1 >= tnodes.size() || tnodes[k + 1].kind == NodeKind::kAttr ||
           tnodes[k + 1].kind == NodeKind::kStartClose)) {
        out.pop_back();
      }
      continue;
    }
    Node vn{NodeKind::kText};
    vn.value = v;
    vn.slot = inst.flat_base + n.sub_index + 1;
    out.push_back(vn);
    if (out.size() > limits::kBinXmlMaxNodesPerRecord) {
      return make_error(Errc::kLimitExceeded, "record expands to too many nodes",
                        static_cast<uint64_t>(v.data - c));
    }
  }
  return {};
}

Result<void> ChunkParser::expand_template_instance(uint32_t& pos, uint32_t end, uint32_t depth,
                                                   std::vector<Node>& out) {
  // Instances met while expanding stack in nested_values_: values_ holds the
  // root instance that Record::values views, and must not move.
  std::vector<Value>& store = nested_values_;
  auto inst = read_instance_into(pos, end, store);
  if (!inst.ok()) return inst.error();
  auto r = emit_instance(*inst, depth, out);
  store.resize(inst->base);
  return r;
}

Result<void> ChunkParser::parse_fragment(uint32_t begin, uint32_t end, bool in_template,
                                         uint32_t depth, std::vector<Node>& out,
                                         uint32_t* consumed) {
  if (depth > limits::kBinXmlMaxDepth) {
    return make_error(Errc::kLimitExceeded, "binary XML nested too deep", begin);
  }
  const uint8_t* c = chunk_.data();
  uint32_t pos = begin;
  int open_elements = 0;
  bool seen_content = false;
  while (pos < end) {
    if (out.size() > limits::kBinXmlMaxNodesPerRecord) {
      return make_error(Errc::kLimitExceeded, "record expands to too many nodes", pos);
    }
    const uint8_t raw = c[pos];
    const uint8_t token = raw & 0x3f;
    const uint32_t token_pos = pos;
    ++pos;
    switch (token) {
      case kEndOfStream:
        *consumed = pos - begin;
        return {};
      case kFragmentHeader:
        if (static_cast<uint64_t>(pos) + 3 > end) return truncated("fragment header", token_pos);
        pos += 3;
        break;
      case kOpenStart: {
        // Template definitions carry a 2-byte dependency id; direct record
        // XML and nested BinXml values do not.
        const uint32_t fixed = in_template ? 6 : 4;
        if (static_cast<uint64_t>(pos) + fixed > end) return truncated("element start", token_pos);
        // The dependency id names the substitution whose NULL value removes
        // the element (MS-EVEN6 2.2.12); 0xffff means none.
        const uint16_t dependency = in_template ? load<uint16_t>(c + pos) : 0xffff;
        pos += fixed;
        auto name = read_name(pos, end);
        if (!name.ok()) return name.error();
        if ((raw & 0x40) != 0) {
          if (static_cast<uint64_t>(pos) + 4 > end) return truncated("attribute list", token_pos);
          pos += 4;
        }
        Node n{NodeKind::kStart};
        n.name = *name;
        if (dependency != 0xffff) {
          n.optional = true;
          n.sub_index = dependency;
        }
        out.push_back(n);
        ++open_elements;
        if (open_elements > static_cast<int>(limits::kBinXmlMaxDepth)) {
          return make_error(Errc::kLimitExceeded, "elements nested too deep", token_pos);
        }
        seen_content = true;
        break;
      }
      case kCloseStart:
        out.push_back(Node{NodeKind::kStartClose});
        break;
      case kCloseEmpty:
        out.push_back(Node{NodeKind::kStartClose});
        [[fallthrough]];
      case kEndElement:
        if (open_elements == 0) return corrupt("end of an element that was never opened", token_pos);
        out.push_back(Node{NodeKind::kEnd});
        --open_elements;
        break;
      case kValueText: {
        if (static_cast<uint64_t>(pos) + 3 > end) return truncated("value", token_pos);
        const uint8_t vtype = c[pos];
        const uint16_t units = load<uint16_t>(c + pos + 1);
        pos += 3;
        uint32_t bytes = 0;
        if (vtype == static_cast<uint8_t>(ValueType::kUtf16)) {
          bytes = 2u * units;
        } else if (vtype == static_cast<uint8_t>(ValueType::kAnsi)) {
          bytes = units;
        } else {
          return make_error(Errc::kUnsupported,
                            "value token of type " + std::to_string(vtype), token_pos);
        }
        if (static_cast<uint64_t>(pos) + bytes > end) return truncated("value", token_pos);
        Node n{NodeKind::kText};
        n.value = Value(c + pos, bytes, vtype);
        out.push_back(n);
        pos += bytes;
        break;
      }
      case kAttribute: {
        auto name = read_name(pos, end);
        if (!name.ok()) return name.error();
        Node n{NodeKind::kAttr};
        n.name = *name;
        out.push_back(n);
        break;
      }
      case kCDataSection:
      case kPIData: {
        if (static_cast<uint64_t>(pos) + 2 > end) return truncated("text", token_pos);
        const uint16_t units = load<uint16_t>(c + pos);
        pos += 2;
        if (static_cast<uint64_t>(pos) + 2ull * units > end) return truncated("text", token_pos);
        Node n{token == kCDataSection ? NodeKind::kCData : NodeKind::kPIData};
        n.value = Value(c + pos, 2u * units, static_cast<uint8_t>(ValueType::kUtf16));
        out.push_back(n);
        pos += 2u * units;
        break;
      }
      case kCharRef: {
        if (static_cast<uint64_t>(pos) + 2 > end) return truncated("character reference", token_pos);
        Node n{NodeKind::kCharRef};
        n.value = Value(c + pos, 2, static_cast<uint8_t>(ValueType::kUInt16));
        out.push_back(n);
        pos += 2;
        break;
      }
      case kEntityRef:
      case kPITarget: {
        auto name = read_name(pos, end);
        if (!name.ok()) return name.error();
        Node n{token == kEntityRef ? NodeKind::kEntityRef : NodeKind::kPITarget};
        n.name = *name;
        out.push_back(n);
        break;
      }
      case kTemplateInstance: {
        if (in_template) return corrupt("template instance inside a template definition", token_pos);
        auto r = expand_template_instance(pos, end, depth, out);
        if (!r.ok()) return r;
        seen_content = true;
        break;
      }
      case kNormalSubstitution:
      case kOptionalSubstitution: {
        if (!in_template) return corrupt("substitution outside a template", token_pos);
        if (static_cast<uint64_t>(pos) + 3 > end) return truncated("substitution", token_pos);
        Node n{NodeKind::kSubstitution};
        n.sub_index = load<uint16_t>(c + pos);
        n.value.raw_type = c[pos + 2];
        n.optional = token == kOptionalSubstitution;
        out.push_back(n);
        pos += 3;
        break;
      }
      default:
        return corrupt("unknown binary XML token 0x" +
                           std::string(1, "0123456789abcdef"[raw >> 4]) +
                           std::string(1, "0123456789abcdef"[raw & 0xF]),
                       token_pos);
    }
  }
  (void)seen_content;
  if (open_elements != 0) return truncated("binary XML fragment", begin);
  *consumed = pos - begin;
  return {};
}

}  // namespace vigil::evtx
