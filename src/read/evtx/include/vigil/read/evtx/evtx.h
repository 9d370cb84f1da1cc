#pragma once
// Windows XML Event Log (EVTX) reader: file header, 64 KiB chunks, binary XML
// with templates. Chunks are self-contained (own string and template tables),
// so a ChunkParser per thread parses any chunk of any file independently.
//
// Layout facts follow the public format documentation (libyal's libevtx
// notes, MS-EVEN6); the implementation is vigil's own.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/core/offset_map.h"
#include "vigil/core/result.h"
#include "vigil/core/text_map.h"
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
  // kText from a substitution: 1 + its index in the record's flat value
  // order (instances in document order, each instance's values in order);
  // 0 for literal text. Lets a renderer compile a record into a program.
  uint32_t slot = 0;
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
  OffsetMap by_offset_;  // chunk offset -> index + 1
};

// A template definition of a chunk, parsed once and shared by the records
// of that chunk that instantiate it.
struct TemplateDef {
  uint32_t offset = 0;  // of the definition in the chunk
  std::vector<Node> nodes;
  // sub_index of every substitution node, in document order: where nested
  // binary XML can appear, without scanning all nodes per record.
  std::vector<uint16_t> substitutions;
  bool valid = false;
  Error error;
  // The last TemplateIdentity answer for this definition: asked once per
  // record, it would otherwise cost a hash lookup every time.
  mutable uint64_t identity_stamp = 0;       // TemplateIdentity::stamp_ when set
  mutable uint64_t identity_generation = 0;  // ChunkNames generation when set
  mutable uint32_t identity = 0;
};

// Gives equal templates of different chunks the same small id: a template
// is its names, literal text and substitution slots, wherever a chunk put
// it. Lets consumers compile a template once per run instead of per chunk.
class TemplateIdentity {
 public:
  TemplateIdentity();
  TemplateIdentity(TemplateIdentity&& other) noexcept;
  TemplateIdentity& operator=(TemplateIdentity&& other) noexcept;
  TemplateIdentity(const TemplateIdentity&) = delete;
  TemplateIdentity& operator=(const TemplateIdentity&) = delete;
  ~TemplateIdentity() = default;

  uint32_t id(const TemplateDef& tmpl, const ChunkNames& names);
  // Grows with distinct templates and distinct names: callers start over
  // (clear) past a limit.
  size_t size() const { return std::max(ids_.size(), name_ids_.size()); }
  void clear();  // ids handed out before are void afterwards

 private:
  uint32_t name_id(uint32_t index, const ChunkNames& names);

  TextMap<uint32_t> ids_;
  // Names as small ids in the canonical form: cheaper than their text.
  TextMap<uint32_t> name_ids_;
  std::vector<uint32_t> chunk_name_ids_;  // chunk name index -> name id, UINT32_MAX unknown
  uint64_t chunk_names_generation_ = 0;
  // Unique in the process for this table's current id space (renewed by
  // clear() and moves), so an answer cached in a TemplateDef is never taken
  // for another table's.
  uint64_t stamp_;
  std::string scratch_;
};

class ChunkParser;

// A BinXml substitution value that holds exactly one template instance.
struct NestedInstance {
  const TemplateDef* tmpl = nullptr;
  std::span<const Value> values;
};

struct Record {
  uint64_t record_id = 0;
  Timestamp written;          // record header's written time
  uint64_t file_offset = 0;
  bool recovered = false;     // carved from slack space, or foreign to its chunk
  // The expanded node stream; empty when the sink asked for lazy records
  // (then expand() builds it on demand).
  std::span<const Node> nodes;
  // Set when the record is one template instance (nearly always): the
  // template and its substitution values, without expansion.
  const TemplateDef* tmpl = nullptr;
  std::span<const Value> values;
  ChunkParser* parser = nullptr;

  // The node stream, expanded on first call. Empty if expansion fails (the
  // parser then reports the record as damaged after on_record returns).
  std::span<const Node> expand() const;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `names` and every view in `record` are valid only during the call.
  virtual void on_record(const Record& record, const ChunkNames& names) = 0;
  virtual void on_damage(Damage damage) = 0;
  // True when the sink works from Record::tmpl/values and calls expand()
  // only when it needs nodes: saves expanding every record.
  virtual bool lazy() const { return false; }
};

struct ParseOptions {
  bool recover_slack = false;  // also carve records from chunk slack space
  bool lazy_records = false;   // scan(): deliver records unexpanded (see RecordSink::lazy)
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

  // During on_record: the template instance inside a BinXml value of the
  // current chunk, its values read into `values` (the caller's storage).
  Result<NestedInstance> nested_instance(const Value& binxml, std::vector<Value>& values);

 private:
  friend struct Record;
  struct Instance {
    const TemplateDef* tmpl = nullptr;
    uint32_t base = 0;   // first value in *store
    uint32_t count = 0;  // values provided
    uint32_t flat_base = 0;  // first flat slot (see Node::slot)
    const std::vector<Value>* store = nullptr;
  };

  Result<void> parse_record(uint32_t offset, uint32_t size, bool recovered, RecordSink& sink);
  Result<void> parse_fragment(uint32_t begin, uint32_t end, bool in_template, uint32_t depth,
                              std::vector<Node>& out, uint32_t* consumed);
  Result<Instance> read_instance(uint32_t& pos, uint32_t end);
  Result<Instance> read_instance_into(uint32_t& pos, uint32_t end, std::vector<Value>& values);
  Result<void> emit_instance(const Instance& inst, uint32_t depth, std::vector<Node>& out);
  Result<void> expand_template_instance(uint32_t& pos, uint32_t end, uint32_t depth,
                                        std::vector<Node>& out);
  Result<std::span<const Node>> expand_current();
  Result<const TemplateDef*> template_at(uint32_t def_offset);
  Result<uint32_t> read_name(uint32_t& pos, uint32_t end);
  void carve_slack(uint32_t from, RecordSink& sink, size_t& delivered);

  ParseOptions options_;
  std::span<const uint8_t> chunk_;
  uint64_t file_offset_ = 0;
  ChunkNames names_;
  // The chunk's template definitions: a pool with stable addresses, found
  // by definition offset (pool index + 1).
  std::vector<std::unique_ptr<TemplateDef>> template_pool_;
  size_t templates_used_ = 0;
  OffsetMap template_slot_;
  std::vector<uint32_t> open_scratch_;
  std::vector<Node> nodes_;
  std::vector<Value> values_;         // the record's root instance: Record::values views it
  std::vector<Value> nested_values_;  // instances met while expanding, so values_ never moves
  uint32_t expansions_ = 0;
  // The record being delivered, for lazy expansion.
  Instance root_;
  uint32_t record_begin_ = 0;
  uint32_t record_end_ = 0;
  bool expanded_ = false;
  uint32_t flat_next_ = 0;
  Result<void> expand_error_;
};

// --- Rendering ---------------------------------------------------------------

class Renderer {
 public:
  Renderer();
  ~Renderer();
  Renderer(Renderer&&) noexcept;
  Renderer& operator=(Renderer&&) noexcept;

  // The record as one JSON object in the shape of the Rust evtx crate's
  // `evtx_dump -o jsonl`: {"Event":{"#attributes":{...},"System":{...},...}}.
  // False (nothing written) when the record turns out to be damaged.
  [[nodiscard]] bool json(std::string& out, const Record& record, const ChunkNames& names);
  // The record as Windows renders event XML (wevtutil style: one line,
  // single-quoted attributes).
  void xml(std::string& out, const Record& record, const ChunkNames& names);

 private:
  struct JsonCache;
  void text_of(std::string& out, uint32_t begin, uint32_t end, const ChunkNames& names,
               TextStyle style);
  void index(std::span<const Node> nodes);

  std::span<const Node> nodes_;
  std::vector<uint32_t> end_of_;  // kStart index -> matching kEnd index
  std::string text_;
  std::unique_ptr<JsonCache> json_cache_;  // compiled record shapes of the current chunk
};

// --- Events for the detector -------------------------------------------------

// Flattens a record into an Event: System children by element name (their
// attributes as Element_Attribute, TimeCreated/@SystemTime as TimeCreated),
// EventData/Data items by their Name, UserData leaves by element name.
// Values stay views into the chunk: the Event is valid during on_record only.
class EventBuilder {
 public:
  explicit EventBuilder(FieldNames& names);
  // False when the record turns out to be damaged (its nested XML does not
  // parse): drop the event; the parser reports the damage.
  [[nodiscard]] bool build(const Record& record, const ChunkNames& chunk_names,
                           uint32_t source_id, Event& event);

 private:
  enum class Role : uint8_t { kUnknown, kOther, kSystem, kEventData, kUserData, kData, kName,
                              kTimeCreated, kSystemTime, kXmlns };
  static constexpr uint32_t kMaxDepth = 8;
  // Where the walk is in the element tree; nested binary XML continues the
  // walk of its enclosing record from the state at its substitution.
  struct WalkState {
    uint32_t depth = 0;  // 1 = Event, 2 = a section (System, EventData, ...)
    Role section = Role::kOther;
    uint32_t element_name[kMaxDepth] = {};
    bool has_children[kMaxDepth] = {};
  };
  struct Plan;
  // One step of a compiled template: a field from a substitution value or
  // from the template's literal text, or a substitution holding nested
  // binary XML whose own template is compiled for this place in the tree.
  struct Nested {
    WalkState state;  // where the fragment lands
    std::unordered_map<uint32_t, std::unique_ptr<Plan>> plans;  // by template identity
  };
  enum class StepKind : uint8_t {
    kValue,     // a field from substitution value `sub`
    kConstant,  // a field from the template's literal text
    kGuard,     // skip the next `skip` steps when value `sub` is NULL
    kNested,    // value `sub` holds nested binary XML
  };
  struct Step {
    StepKind kind = StepKind::kConstant;
    uint8_t flags = 0;
    uint16_t sub = 0;
    FieldId id = kNoField;
    uint32_t skip = 0;
    Value constant;
    // kNested, and kValue of a leaf that may hold binary XML: where the
    // fragment lands in the tree, and its plans.
    std::unique_ptr<Nested> nested;
  };
  // Plans outlive chunks (keyed by template identity), so they keep their
  // own copies of the template's literal text.
  struct Plan {
    bool usable = false;
    uint32_t max_fields = 0;  // fields one run can add, nested plans not counted
    std::vector<Step> steps;
    std::deque<std::string> literals;
  };

  template <class Emit, class Name, class Content>
  void walk(std::span<const Node> nodes, const ChunkNames& chunk_names, WalkState state,
            Emit&& emit, Name&& data_name, Content&& content_sub);
  void apply(uint8_t flags, FieldId id, const Value& value, Event& event);
  std::unique_ptr<Plan> compile(const TemplateDef& tmpl, const WalkState& state,
                                const ChunkNames& chunk_names);
  static void add_guards(Plan& plan, const std::vector<uint32_t>& origins,
                         std::span<const Node> nodes, uint32_t base_depth);
  bool run_plan(const Plan& plan, std::span<const Value> values, const Record& record,
                const ChunkNames& chunk_names, uint32_t level, Event& event);
  bool run_nested(const Step& step, const Value& sv, const Record& record,
                  const ChunkNames& chunk_names, uint32_t level, Event& event);
  void reset_chunk_caches(const ChunkNames& chunk_names);

  FieldId name_of_value(const Value& value);
  FieldId joined_name(uint32_t element, uint32_t attribute, const ChunkNames& chunk_names);
  Role role(uint32_t name, const ChunkNames& chunk_names);
  Value content_value(std::span<const Node> nodes, uint32_t begin, uint32_t end,
                      const ChunkNames& chunk_names, Event& event);

  FieldNames& names_;
  FieldId data_field_;
  std::string scratch_;
  // Per-chunk caches, keyed by the ChunkNames generation they were built for.
  const ChunkNames* cached_names_ = nullptr;
  uint64_t cached_generation_ = 0;
  std::unordered_map<const uint8_t*, FieldId> name_cache_;  // Data/@Name literal -> id
  std::unordered_map<uint64_t, FieldId> joined_cache_;
  std::vector<Role> roles_;
  TemplateIdentity identity_;
  // By template identity; the ids are dense (0, 1, ...), so a vector.
  std::vector<std::unique_ptr<Plan>> plans_;
  std::vector<std::vector<Value>> nested_values_;  // one per nesting level
};

}  // namespace vigil::evtx
