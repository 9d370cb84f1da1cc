#pragma once
// Writing EVTX files the way the Windows event log service lays them out:
// a 4 KiB file header, 64 KiB chunks with their string and template hash
// tables, and records whose binary XML is a template instance. The System
// part of every event comes from one shared template (Computer as literal
// text, everything else substituted, as Windows does); the EventData or
// UserData part is a nested template per event shape, carried in a BinXml
// substitution. Template definitions and element names are written inline
// the first time a chunk uses them and referenced by offset afterwards.
//
// Used to build test inputs and benchmark sets; the reader never depends on it.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/core/timestamp.h"
#include "vigil/core/value.h"

namespace vigil::evtx {

// A GUID in its on-disk byte order (first three groups little-endian).
struct Guid {
  std::array<uint8_t, 16> bytes{};

  // "{01234567-89AB-CDEF-0123-456789ABCDEF}", braces optional, any case.
  static std::optional<Guid> parse(std::string_view text);
  bool operator==(const Guid&) const = default;
};

// A security identifier in its binary form (revision, count, authority,
// sub-authorities).
struct Sid {
  std::string bytes;

  // "S-1-5-21-...": revision 1, authority up to 48 bits, at most 15 sub-authorities.
  static std::optional<Sid> parse(std::string_view text);
};

// A substitution value: its EVTX type and its bytes as stored in a record.
// Setters reuse the storage, so one value object can be refilled per event
// without allocating.
struct TypedValue {
  uint8_t type = 0;  // ValueType, possibly with kArrayFlag
  std::string bytes;

  void set_null();
  void set_string(std::string_view utf8);  // UTF-16LE
  void set_ansi(std::string_view text);
  void set_int8(int8_t v);
  void set_uint8(uint8_t v);
  void set_int16(int16_t v);
  void set_uint16(uint16_t v);
  void set_int32(int32_t v);
  void set_uint32(uint32_t v);
  void set_int64(int64_t v);
  void set_uint64(uint64_t v);
  void set_real32(float v);
  void set_real64(double v);
  void set_bool(bool v);
  void set_hex32(uint32_t v);
  void set_hex64(uint64_t v);
  void set_size(uint64_t v);  // SizeT, 64-bit
  void set_filetime(Timestamp t);
  void set_systemtime(Timestamp t);  // millisecond precision, as SYSTEMTIME holds
  void set_guid(const Guid& g);
  void set_sid(const Sid& s);
  void set_binary(std::span<const uint8_t> data);
  // Arrays: strings are NUL-separated; fixed-size elements back to back.
  void set_string_array(std::span<const std::string> items);
  void set_uint32_array(std::span<const uint32_t> items);
  void set_uint64_array(std::span<const uint64_t> items);

  static TypedValue null() { return {}; }
  static TypedValue string(std::string_view utf8);
  static TypedValue uint8(uint8_t v);
  static TypedValue uint16(uint16_t v);
  static TypedValue uint32(uint32_t v);
  static TypedValue uint64(uint64_t v);
  static TypedValue hex32(uint32_t v);
  static TypedValue hex64(uint64_t v);
  static TypedValue boolean(bool v);
  static TypedValue filetime(Timestamp t);
  static TypedValue guid(const Guid& g);
  static TypedValue sid(const Sid& s);
  static TypedValue binary(std::span<const uint8_t> data);
};

// One EventData/Data item (Name attribute and value; an empty name writes
// an unnamed <Data>), or one leaf element of a UserData event.
struct DataItem {
  std::string name;
  TypedValue value;
};

enum class EventBody : uint8_t {
  kEventData,  // <EventData><Data Name='...'>...</Data>...</EventData>
  kUserData,   // <UserData><Element xmlns='...'><Leaf>...</Leaf>...</Element></UserData>
  kNone,       // System only
};

// Everything one event record holds.
struct EventSpec {
  std::string provider_name;
  std::optional<Guid> provider_guid;
  std::string event_source_name;  // classic providers; empty: no attribute
  uint16_t event_id = 0;
  std::optional<uint16_t> qualifiers;
  uint8_t version = 0;
  uint8_t level = 0;
  uint16_t task = 0;
  uint8_t opcode = 0;
  uint64_t keywords = 0;
  Timestamp time_created;  // also the record's written time; unset writes 1601-01-01
  uint64_t record_id = 0;  // 0: the writer's next id
  std::optional<Guid> activity_id;
  std::optional<Guid> related_activity_id;
  std::optional<uint32_t> process_id;
  std::optional<uint32_t> thread_id;
  std::string channel;
  std::string computer;
  std::optional<Sid> user_id;
  // The System shape of classic (EventLog-style) providers: no Version,
  // Opcode, Correlation or Execution elements.
  bool classic_system = false;

  EventBody body = EventBody::kEventData;
  std::string user_data_element;  // kUserData: the element under <UserData>
  // kUserData: literal attributes of that element, e.g. {"xmlns", "http://..."}.
  std::vector<std::pair<std::string, std::string>> user_data_attributes;
  std::vector<DataItem> data;
  // kEventData: a <Binary> element after the Data items, as classic
  // (EventLog-style) events carry.
  std::optional<TypedValue> binary;
};

// Where the writer puts bytes. Chunks are written once each, in order; the
// file header is written first (marked dirty) and rewritten by finish().
class EvtxSink {
 public:
  virtual ~EvtxSink() = default;
  virtual Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) = 0;
};

// Collects the file in memory (tests).
class MemorySink final : public EvtxSink {
 public:
  Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) override;
  std::vector<uint8_t> bytes;
};

struct WriterOptions {
  uint64_t first_record_id = 1;
  // Like a log's maximum size: once this many chunks are written, add()
  // refuses events that need a new chunk (kLimitExceeded, full() true). 0: no limit.
  uint32_t max_chunks = 0;
};

class EvtxWriter {
 public:
  // Creates (or truncates) `path`.
  static Result<EvtxWriter> create(const std::string& path, WriterOptions options = {});
  // Writes to `sink`, which must outlive the writer.
  explicit EvtxWriter(EvtxSink& sink, WriterOptions options = {});
  EvtxWriter(EvtxWriter&&) noexcept;
  EvtxWriter& operator=(EvtxWriter&&) noexcept;
  ~EvtxWriter();

  // Appends one record. Fails when the event cannot be represented (a value
  // too large, a record larger than a chunk) or the sink fails; after a
  // representation failure the writer stays usable and nothing was written.
  Result<void> add(const EventSpec& event);
  // Writes the last chunk and the final file header (clean, with the chunk
  // count and next record id). The writer accepts nothing afterwards.
  Result<void> finish();

  // True once an event was refused because max_chunks was reached.
  bool full() const;
  uint64_t records() const;
  uint32_t chunks() const;  // chunks written or in progress
  // Size the file has once finished, if nothing more is added.
  uint64_t file_size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::evtx
