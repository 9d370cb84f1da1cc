#pragma once
// Windows XML Event Log (EVTX) reader: file header, 64 KiB chunks, binary XML
// with templates. Chunks are self-contained (own string and template tables),
// so a ChunkParser per thread parses any chunk of any file independently.
//
// Layout facts follow the public format documentation (libyal's libevtx
// notes, MS-EVEN6); the implementation is vigil's own.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/result.h"
#include "vigil/core/timestamp.h"
#include "vigil/core/value.h"

namespace vigil::evtx {

inline constexpr char kFileSignature[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', '\0'};
inline constexpr char kChunkSignature[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', '\0'};
inline constexpr uint32_t kRecordSignature = 0x00002a2a;
inline constexpr uint32_t kChunkHeaderSize = 512;
inline constexpr uint32_t kRecordHeaderSize = 24;  // signature, size, id, written time
inline constexpr uint32_t kMinRecordSize = kRecordHeaderSize + 4;

struct FileHeader {
  uint64_t first_chunk = 0;
  uint64_t last_chunk = 0;
  uint64_t next_record_id = 0;
  uint32_t header_size = 0;
  uint16_t minor_version = 0;
  uint16_t major_version = 0;
  uint16_t header_block_size = 0;
  uint16_t chunk_count = 0;
  uint32_t flags = 0;
  uint32_t checksum = 0;
  bool checksum_ok = false;

  bool dirty() const { return (flags & 0x1) != 0; }
  bool full() const { return (flags & 0x2) != 0; }
};

// Parses the first 4 KiB of a file. Fails only when the signature is wrong or
// the data is too short; a checksum mismatch is reported in checksum_ok.
Result<FileHeader> parse_file_header(std::span<const uint8_t> bytes);

// True when the bytes start like an EVTX file (content, not file name, decides).
bool looks_like_evtx(std::span<const uint8_t> first_bytes);

struct ChunkHeader {
  uint64_t first_record_number = 0;
  uint64_t last_record_number = 0;
  uint64_t first_record_id = 0;
  uint64_t last_record_id = 0;
  uint32_t header_size = 0;
  uint32_t last_record_offset = 0;
  uint32_t free_space_offset = 0;
  uint32_t records_checksum = 0;
  uint32_t flags = 0;
  uint32_t header_checksum = 0;
};

// A damaged place in the evidence, reported and then stepped over.
struct Damage {
  uint64_t offset = 0;  // byte offset in the file
  Errc code = Errc::kCorrupt;
  std::string message;
};

// Binary XML after template expansion: a flat stream of nodes.
//   kStart(name) [kAttr(name) value-nodes...]* kStartClose content* kEnd
// where value/content nodes are kText, kCData, kCharRef, kEntityRef,
// kPITarget, kPIData, and nested elements.
enum class NodeKind : uint8_t {
  kStart,
  kAttr,
  kStartClose,
  kEnd,
  kText,
  kCData,
  kCharRef,    // value: the UTF-16 code unit
  kEntityRef,  // name: the entity (amp, lt, ...)
  kPITarget,
  kPIData,
  kSubstitution,  // only inside cached template definitions
};

struct Node {
  Node() = default;
  explicit Node(NodeKind k) : kind(k) {}

  NodeKind kind = NodeKind::kText;
  bool optional = false;     // kSubstitution: optional (0x0e) substitution
  uint16_t sub_index = 0;    // kSubstitution: index into the instance's values
  uint32_t name = 0;         // index into the chunk's name table
  Value value;               // views into the chunk buffer
};

// Names of one chunk, decoded to UTF-8 once and looked up by index.
class ChunkNames {
 public:
  std::string_view text(uint32_t index) const { return entries_[index].text; }
  // Interned id of the name, resolved on first use within the chunk.
  FieldId field(uint32_t index, FieldNames& names) const;

  void reset();
  // Changes whenever the table is reset: lets callers key their own per-chunk caches.
  uint64_t generation() const { return generation_; }
  // Index of the name structure at `offset` in the chunk; decodes it on first sight.
  Result<uint32_t> at_offset(std::span<const uint8_t> chunk, uint32_t offset);

 private:
  struct Entry {
    std::string text;
    mutable FieldId field = kNoField;
  };
  std::vector<Entry> entries_;
  size_t used_ = 0;
  uint64_t generation_ = 0;
  std::unordered_map<uint32_t, uint32_t> by_offset_;
};

struct Record {
  uint64_t record_id = 0;
  Timestamp written;          // record header's written time
  uint64_t file_offset = 0;
  bool recovered = false;     // carved from slack space
  std::span<const Node> nodes;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `names` and every view in `record` are valid only during the call.
  virtual void on_record(const Record& record, const ChunkNames& names) = 0;
  virtual void on_damage(Damage damage) = 0;
};

struct ParseOptions {
  bool recover_slack = false;  // also carve records from chunk slack space
};

// Parses chunks. Not thread-safe; one per thread, reused across chunks and
// files so that steady-state parsing does not allocate.
class ChunkParser {
 public:
  explicit ChunkParser(ParseOptions options = {}) : options_(options) {}

  // `chunk` is the chunk's bytes (normally 64 KiB; shorter for a truncated
  // file), `file_offset` where it starts in the file. Returns the number of
  // records delivered to the sink. Never throws, never reads out of bounds.
  size_t parse(std::span<const uint8_t> chunk, uint64_t file_offset, RecordSink& sink);

  static Result<ChunkHeader> parse_header(std::span<const uint8_t> chunk);

 private:
  struct Template {
    std::vector<Node> nodes;
    bool valid = false;
    Error error;
  };
  struct SubValue {
    Value value;
  };
  struct Frame;

  Result<void> parse_record(uint32_t offset, uint32_t size, bool recovered, RecordSink& sink);
  Result<void> parse_fragment(uint32_t begin, uint32_t end, bool in_template, uint32_t depth,
                              std::vector<Node>& out, uint32_t* consumed);
  Result<void> expand_template_instance(uint32_t& pos, uint32_t end, uint32_t depth,
                                        std::vector<Node>& out);
  Result<const Template*> template_at(uint32_t def_offset);
  Result<uint32_t> read_name(uint32_t& pos, uint32_t end);
  void carve_slack(uint32_t from, RecordSink& sink, size_t& delivered);

  ParseOptions options_;
  std::span<const uint8_t> chunk_;
  uint64_t file_offset_ = 0;
  ChunkNames names_;
  std::unordered_map<uint32_t, Template> templates_;
  std::vector<Node> nodes_;
  std::vector<Value> values_;
  uint32_t expansions_ = 0;
};

// --- Rendering ---------------------------------------------------------------

class Renderer {
 public:
  // The record as one JSON object in the shape of the Rust evtx crate's
  // `evtx_dump -o jsonl`: {"Event":{"#attributes":{...},"System":{...},...}}.
  void json(std::string& out, const Record& record, const ChunkNames& names);
  // The record as Windows renders event XML (wevtutil style: one line,
  // single-quoted attributes).
  void xml(std::string& out, const Record& record, const ChunkNames& names);

 private:
  struct Member {
    uint32_t name;  // chunk name index
    uint16_t seen;
  };
  void json_element(std::string& out, uint32_t start, const ChunkNames& names);
  void json_content_value(std::string& out, uint32_t begin, uint32_t end, bool empty_as_string);
  void json_attributes(std::string& out, uint32_t begin, uint32_t end, const ChunkNames& names);
  void text_of(std::string& out, uint32_t begin, uint32_t end, const ChunkNames& names,
               TextStyle style);
  void index(std::span<const Node> nodes);

  std::span<const Node> nodes_;
  std::vector<uint32_t> end_of_;  // kStart index -> matching kEnd index
  std::string text_;
};

// --- Events for the detector -------------------------------------------------

// Flattens a record into an Event: System children by element name (their
// attributes as Element_Attribute, TimeCreated/@SystemTime as TimeCreated),
// EventData/Data items by their Name, UserData leaves by element name.
// Values stay views into the chunk: the Event is valid during on_record only.
class EventBuilder {
 public:
  explicit EventBuilder(FieldNames& names);
  void build(const Record& record, const ChunkNames& chunk_names, uint32_t source_id,
             Event& event);

 private:
  enum class Role : uint8_t { kUnknown, kOther, kSystem, kEventData, kUserData, kData, kName,
                              kTimeCreated, kSystemTime, kXmlns };
  FieldId name_of_value(const Value& value);
  FieldId joined_name(uint32_t element, uint32_t attribute, const ChunkNames& chunk_names);
  Role role(uint32_t name, const ChunkNames& chunk_names);
  Value content_value(std::span<const Node> nodes, uint32_t begin, uint32_t end,
                      const ChunkNames& chunk_names, Event& event);

  FieldNames& names_;
  FieldId data_field_;
  FieldId binary_field_;
  std::string scratch_;
  // Data/@Name values are template literals inside the chunk: interned once
  // per chunk, keyed by their address.
  const ChunkNames* cached_names_ = nullptr;
  uint64_t cached_generation_ = 0;
  std::unordered_map<const uint8_t*, FieldId> name_cache_;
  std::unordered_map<uint64_t, FieldId> joined_cache_;
  std::vector<Role> roles_;
};

}  // namespace vigil::evtx
