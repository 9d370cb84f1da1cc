// Round trips: EvtxWriter -> bytes -> ChunkParser / Renderer / EventBuilder.

#include "vigil/read/evtx/writer.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/core/limits.h"
#include "vigil/core/utf.h"
#include "vigil/read/evtx/evtx.h"

namespace vigil::evtx {
namespace {

constexpr uint32_t kChunk = limits::kEvtxChunkSize;
constexpr uint32_t kHeader = limits::kEvtxFileHeaderSize;

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t crc(const uint8_t* p, size_t n, uint32_t seed = 0) {
  return static_cast<uint32_t>(::crc32(seed, p, static_cast<uInt>(n)));
}

Timestamp at(std::string_view rfc3339) { return parse_rfc3339(rfc3339); }

Guid guid(std::string_view text) {
  auto g = Guid::parse(text);
  EXPECT_TRUE(g.has_value()) << text;
  return g.value_or(Guid{});
}

Sid sid(std::string_view text) {
  auto s = Sid::parse(text);
  EXPECT_TRUE(s.has_value()) << text;
  return s.value_or(Sid{});
}

EventSpec security_event(uint16_t event_id) {
  EventSpec e;
  e.provider_name = "Microsoft-Windows-Security-Auditing";
  e.provider_guid = guid("{54849625-5478-4994-A5BA-3E3B0328C30D}");
  e.event_id = event_id;
  e.version = 2;
  e.level = 0;
  e.task = 12544;
  e.opcode = 0;
  e.keywords = 0x8020000000000000ULL;
  e.time_created = at("2024-03-01T08:00:00.1234567Z");
  e.process_id = 640;
  e.thread_id = 712;
  e.channel = "Security";
  e.computer = "WS-0042.corp.example";
  e.data.push_back({"SubjectUserSid", TypedValue::sid(sid("S-1-5-18"))});
  e.data.push_back({"SubjectUserName", TypedValue::string("WS-0042$")});
  e.data.push_back({"SubjectLogonId", TypedValue::hex64(0x3e7)});
  e.data.push_back({"LogonType", TypedValue::uint32(3)});
  return e;
}

struct ReadRecord {
  uint64_t id = 0;
  Timestamp written;
  bool recovered = false;
  std::string xml;
  std::string json;
  std::map<std::string, std::string> fields;  // EventBuilder output, Windows spelling
};

struct ReadChunk {
  std::vector<ReadRecord> records;
  std::vector<Damage> damage;
};

class CollectSink final : public RecordSink {
 public:
  CollectSink(FieldNames& names, ReadChunk& out) : names_(names), builder_(names), out_(out) {}
  void on_record(const Record& record, const ChunkNames& chunk_names) override {
    ReadRecord r;
    r.id = record.record_id;
    r.written = record.written;
    r.recovered = record.recovered;
    renderer_.xml(r.xml, record, chunk_names);
    EXPECT_TRUE(renderer_.json(r.json, record, chunk_names));
    EXPECT_TRUE(builder_.build(record, chunk_names, 0, event_));
    for (const Field& f : event_.fields()) {
      r.fields.emplace(std::string(names_.name(f.name)), to_text(f.value));
    }
    out_.records.push_back(std::move(r));
  }
  void on_damage(Damage damage) override { out_.damage.push_back(std::move(damage)); }

 private:
  FieldNames& names_;
  EventBuilder builder_;
  Renderer renderer_;
  Event event_;
  ReadChunk& out_;
};

// Reads every chunk of a written file; checks the structure Windows readers rely on.
std::vector<ReadChunk> read_file(const std::vector<uint8_t>& file) {
  std::vector<ReadChunk> chunks;
  EXPECT_GE(file.size(), kHeader);
  if (file.size() < kHeader) return chunks;
  auto header = parse_file_header(file);
  EXPECT_TRUE(header.ok());
  if (!header.ok()) return chunks;
  EXPECT_TRUE(header->checksum_ok);
  EXPECT_FALSE(header->dirty());
  EXPECT_EQ(header->major_version, 3);
  EXPECT_EQ(header->minor_version, 1);
  EXPECT_EQ(header->header_size, 128u);
  EXPECT_EQ(header->header_block_size, kHeader);
  EXPECT_EQ((file.size() - kHeader) % kChunk, 0u);
  const size_t count = (file.size() - kHeader) / kChunk;
  EXPECT_EQ(header->chunk_count, count);
  if (count > 0) {
    EXPECT_EQ(header->last_chunk, count - 1);
  }
  FieldNames names;
  ChunkParser parser;
  for (size_t c = 0; c < count; ++c) {
    const uint8_t* p = file.data() + kHeader + c * kChunk;
    const std::span<const uint8_t> bytes(p, kChunk);
    auto ch = ChunkParser::parse_header(bytes);
    EXPECT_TRUE(ch.ok());
    if (!ch.ok()) continue;
    EXPECT_EQ(ch->header_checksum, crc(p + 128, 384, crc(p, 120))) << "chunk " << c;
    EXPECT_EQ(ch->records_checksum, crc(p + 512, ch->free_space_offset - 512)) << "chunk " << c;
    EXPECT_EQ(ch->header_size, 128u);
    ReadChunk out;
    CollectSink sink(names, out);
    parser.parse(bytes, kHeader + c * kChunk, sink);
    for (const Damage& d : out.damage) ADD_FAILURE() << "chunk " << c << ": " << d.message;
    if (!out.records.empty()) {
      EXPECT_EQ(ch->first_record_id, out.records.front().id);
      EXPECT_EQ(ch->last_record_id, out.records.back().id);
    }
    // Records are 8-byte aligned and the last one is where the header says.
    uint32_t off = 512, last = 0;
    while (off < ch->free_space_offset) {
      EXPECT_EQ(load<uint32_t>(p + off), kRecordSignature);
      const uint32_t size = load<uint32_t>(p + off + 4);
      EXPECT_EQ(size % 8, 0u);
      EXPECT_EQ(load<uint32_t>(p + off + size - 4), size);
      last = off;
      off += size;
    }
    EXPECT_EQ(off, ch->free_space_offset);
    EXPECT_EQ(last, ch->last_record_offset);
    chunks.push_back(std::move(out));
  }
  return chunks;
}

std::vector<ReadRecord> all_records(const std::vector<ReadChunk>& chunks) {
  std::vector<ReadRecord> all;
  for (const ReadChunk& c : chunks) all.insert(all.end(), c.records.begin(), c.records.end());
  return all;
}

std::vector<uint8_t> write_events(const std::vector<EventSpec>& events,
                                  WriterOptions options = {}) {
  MemorySink sink;
  EvtxWriter writer(sink, options);
  for (const EventSpec& e : events) {
    auto r = writer.add(e);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
  }
  EXPECT_TRUE(writer.finish().ok());
  return sink.bytes;
}

size_t count_utf16(const std::vector<uint8_t>& bytes, size_t begin, size_t end,
                   std::string_view ascii) {
  std::string pattern;
  for (char c : ascii) {
    pattern.push_back(c);
    pattern.push_back('\0');
  }
  const std::string_view hay(reinterpret_cast<const char*>(bytes.data()) + begin, end - begin);
  size_t n = 0;
  for (size_t at = hay.find(pattern); at != std::string_view::npos; at = hay.find(pattern, at + 1))
    ++n;
  return n;
}

TEST(EvtxWriter, SystemFieldsRoundTrip) {
  EventSpec e = security_event(4624);
  e.qualifiers = 16384;
  e.activity_id = guid("{11111111-2222-3333-4444-555555555555}");
  e.related_activity_id = guid("66666666-7777-8888-9999-AAAAAAAAAAAA");
  e.user_id = sid("S-1-5-21-3623811015-3361044348-30300820-1013");
  const auto records = all_records(read_file(write_events({e})));
  ASSERT_EQ(records.size(), 1u);
  const ReadRecord& r = records[0];
  EXPECT_EQ(r.id, 1u);
  EXPECT_EQ(r.written, e.time_created);
  EXPECT_FALSE(r.recovered);
  EXPECT_EQ(r.xml,
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<Provider Name='Microsoft-Windows-Security-Auditing' "
            "Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>"
            "<EventID Qualifiers='16384'>4624</EventID><Version>2</Version><Level>0</Level>"
            "<Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>"
            "<TimeCreated SystemTime='2024-03-01T08:00:00.1234567Z'/>"
            "<EventRecordID>1</EventRecordID>"
            "<Correlation ActivityID='{11111111-2222-3333-4444-555555555555}' "
            "RelatedActivityID='{66666666-7777-8888-9999-AAAAAAAAAAAA}'/>"
            "<Execution ProcessID='640' ThreadID='712'/><Channel>Security</Channel>"
            "<Computer>WS-0042.corp.example</Computer>"
            "<Security UserID='S-1-5-21-3623811015-3361044348-30300820-1013'/></System>"
            "<EventData><Data Name='SubjectUserSid'>S-1-5-18</Data>"
            "<Data Name='SubjectUserName'>WS-0042$</Data>"
            "<Data Name='SubjectLogonId'>0x3e7</Data><Data Name='LogonType'>3</Data>"
            "</EventData></Event>");
  EXPECT_EQ(r.fields.at("EventID"), "4624");
  EXPECT_EQ(r.fields.at("EventID_Qualifiers"), "16384");
  EXPECT_EQ(r.fields.at("Provider_Name"), "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(r.fields.at("Provider_Guid"), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  EXPECT_EQ(r.fields.at("TimeCreated"), "2024-03-01T08:00:00.1234567Z");
  EXPECT_EQ(r.fields.at("EventRecordID"), "1");
  EXPECT_EQ(r.fields.at("Execution_ProcessID"), "640");
  EXPECT_EQ(r.fields.at("Execution_ThreadID"), "712");
  EXPECT_EQ(r.fields.at("Channel"), "Security");
  EXPECT_EQ(r.fields.at("Computer"), "WS-0042.corp.example");
  EXPECT_EQ(r.fields.at("Security_UserID"), "S-1-5-21-3623811015-3361044348-30300820-1013");
  EXPECT_EQ(r.fields.at("SubjectUserName"), "WS-0042$");
  EXPECT_EQ(r.fields.at("LogonType"), "3");
  EXPECT_NE(r.json.find("\"EventID\":{\"#attributes\":{\"Qualifiers\":16384},\"#text\":4624}"),
            std::string::npos)
      << r.json;
}

TEST(EvtxWriter, AbsentOptionalSystemValuesDisappear) {
  EventSpec e = security_event(4634);
  e.provider_guid.reset();
  e.process_id.reset();
  e.thread_id.reset();
  e.data.clear();
  const auto records = all_records(read_file(write_events({e})));
  ASSERT_EQ(records.size(), 1u);
  const std::string& xml = records[0].xml;
  EXPECT_NE(xml.find("<Provider Name='Microsoft-Windows-Security-Auditing'/>"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<EventID>4634</EventID>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Correlation/><Execution/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<Security/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<EventData/></Event>"), std::string::npos) << xml;
}

TEST(EvtxWriter, EveryValueType) {
  EventSpec e = security_event(9999);
  e.data.clear();
  auto add = [&](std::string name, auto set) {
    DataItem item;
    item.name = std::move(name);
    set(item.value);
    e.data.push_back(std::move(item));
  };
  const std::vector<std::string> strings = {"alpha", "béta", "\xF0\x9D\x84\x9E"};
  const std::vector<uint32_t> u32s = {1, 2, 4000000000u};
  const std::vector<uint64_t> u64s = {7, 18000000000000000000ULL};
  const uint8_t blob[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
  add("Utf16",
      [](TypedValue& v) { v.set_string("héllo <wörld> & \"x\" \xE2\x9C\x93 \xF0\x9F\x98\x80"); });
  add("EmptyString", [](TypedValue& v) { v.set_string(""); });
  add("Ansi", [](TypedValue& v) { v.set_ansi("plain ansi"); });
  add("Int8", [](TypedValue& v) { v.set_int8(-5); });
  add("UInt8", [](TypedValue& v) { v.set_uint8(200); });
  add("Int16", [](TypedValue& v) { v.set_int16(-300); });
  add("UInt16", [](TypedValue& v) { v.set_uint16(60000); });
  add("Int32", [](TypedValue& v) { v.set_int32(-70000); });
  add("UInt32", [](TypedValue& v) { v.set_uint32(4000000000u); });
  add("Int64", [](TypedValue& v) { v.set_int64(-5000000000000LL); });
  add("UInt64", [](TypedValue& v) { v.set_uint64(18000000000000000000ULL); });
  add("Real32", [](TypedValue& v) { v.set_real32(1.5f); });
  add("Real64", [](TypedValue& v) { v.set_real64(-2.25); });
  add("BoolTrue", [](TypedValue& v) { v.set_bool(true); });
  add("BoolFalse", [](TypedValue& v) { v.set_bool(false); });
  add("Hex32", [](TypedValue& v) { v.set_hex32(0xc000006d); });
  add("Hex64", [](TypedValue& v) { v.set_hex64(0x1234567890abULL); });
  add("SizeT", [](TypedValue& v) { v.set_size(0x7ff6a000ULL); });
  add("FileTime", [](TypedValue& v) { v.set_filetime(at("2023-12-31T23:59:59.9999999Z")); });
  add("SysTime", [](TypedValue& v) { v.set_systemtime(at("2024-02-29T12:34:56.789Z")); });
  add("Guid",
      [](TypedValue& v) { v.set_guid(*Guid::parse("{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}")); });
  add("Sid", [](TypedValue& v) { v.set_sid(*Sid::parse("S-1-5-21-1-2-3-500")); });
  add("Binary", [&](TypedValue& v) { v.set_binary(blob); });
  add("StringArray", [&](TypedValue& v) { v.set_string_array(strings); });
  add("UInt32Array", [&](TypedValue& v) { v.set_uint32_array(u32s); });
  add("UInt64Array", [&](TypedValue& v) { v.set_uint64_array(u64s); });
  add("Null", [](TypedValue& v) { v.set_null(); });
  add("", [](TypedValue& v) { v.set_string("unnamed"); });

  const auto records = all_records(read_file(write_events({e})));
  ASSERT_EQ(records.size(), 1u);
  const auto& f = records[0].fields;
  EXPECT_EQ(f.at("Utf16"), "héllo <wörld> & \"x\" \xE2\x9C\x93 \xF0\x9F\x98\x80");
  EXPECT_EQ(f.at("EmptyString"), "");
  EXPECT_EQ(f.at("Ansi"), "plain ansi");
  EXPECT_EQ(f.at("Int8"), "-5");
  EXPECT_EQ(f.at("UInt8"), "200");
  EXPECT_EQ(f.at("Int16"), "-300");
  EXPECT_EQ(f.at("UInt16"), "60000");
  EXPECT_EQ(f.at("Int32"), "-70000");
  EXPECT_EQ(f.at("UInt32"), "4000000000");
  EXPECT_EQ(f.at("Int64"), "-5000000000000");
  EXPECT_EQ(f.at("UInt64"), "18000000000000000000");
  EXPECT_EQ(f.at("Real32"), "1.5");
  EXPECT_EQ(f.at("Real64"), "-2.25");
  EXPECT_EQ(f.at("BoolTrue"), "true");
  EXPECT_EQ(f.at("BoolFalse"), "false");
  EXPECT_EQ(f.at("Hex32"), "0xc000006d");
  EXPECT_EQ(f.at("Hex64"), "0x1234567890ab");
  EXPECT_EQ(f.at("SizeT"), "0x7ff6a000");
  EXPECT_EQ(f.at("FileTime"), "2023-12-31T23:59:59.9999999Z");
  EXPECT_EQ(f.at("SysTime"), "2024-02-29T12:34:56.7890000Z");
  EXPECT_EQ(f.at("Guid"), "{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}");
  EXPECT_EQ(f.at("Sid"), "S-1-5-21-1-2-3-500");
  EXPECT_EQ(f.at("Binary"), "DEADBEEF0001");
  EXPECT_EQ(f.at("StringArray"), "alpha,béta,\xF0\x9D\x84\x9E");
  EXPECT_EQ(f.at("UInt32Array"), "1,2,4000000000");
  EXPECT_EQ(f.at("UInt64Array"), "7,18000000000000000000");
  EXPECT_EQ(f.at("Data"), "unnamed");
  // XML escapes what it must.
  EXPECT_NE(records[0].xml.find("<Data Name='Utf16'>héllo &lt;wörld&gt; &amp; \"x\""),
            std::string::npos)
      << records[0].xml;
  EXPECT_NE(records[0].xml.find("<Data>unnamed</Data>"), std::string::npos);
}

TEST(EvtxWriter, UserDataAndSystemOnlyEvents) {
  EventSpec cleared;
  cleared.provider_name = "Microsoft-Windows-Eventlog";
  cleared.provider_guid = guid("{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}");
  cleared.event_id = 1102;
  cleared.level = 4;
  cleared.task = 104;
  cleared.keywords = 0x4020000000000000ULL;
  cleared.time_created = at("2024-03-01T09:00:00Z");
  cleared.process_id = 1100;
  cleared.thread_id = 5004;
  cleared.channel = "Security";
  cleared.computer = "DC01.corp.example";
  cleared.body = EventBody::kUserData;
  cleared.user_data_element = "LogFileCleared";
  cleared.user_data_attributes = {
      {"xmlns", "http://manifests.microsoft.com/win/2004/08/windows/eventlog"}};
  cleared.data.push_back({"SubjectUserSid", TypedValue::sid(sid("S-1-5-21-1-2-3-1104"))});
  cleared.data.push_back({"SubjectUserName", TypedValue::string("mallory")});
  cleared.data.push_back({"SubjectDomainName", TypedValue::string("CORP")});
  cleared.data.push_back({"SubjectLogonId", TypedValue::hex64(0x52c1f3)});

  EventSpec bare = security_event(4608);
  bare.body = EventBody::kNone;
  bare.data.clear();
  bare.event_source_name = "Security";

  const auto records = all_records(read_file(write_events({cleared, bare, cleared})));
  ASSERT_EQ(records.size(), 3u);
  const std::string expected_user_data =
      "<UserData><LogFileCleared "
      "xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
      "<SubjectUserSid>S-1-5-21-1-2-3-1104</SubjectUserSid><SubjectUserName>mallory</"
      "SubjectUserName>"
      "<SubjectDomainName>CORP</SubjectDomainName><SubjectLogonId>0x52c1f3</SubjectLogonId>"
      "</LogFileCleared></UserData></Event>";
  for (size_t i : {0u, 2u}) {
    const std::string& xml = records[i].xml;
    ASSERT_GE(xml.size(), expected_user_data.size());
    EXPECT_EQ(xml.substr(xml.size() - expected_user_data.size()), expected_user_data) << xml;
    EXPECT_EQ(records[i].fields.at("SubjectUserName"), "mallory");
    EXPECT_EQ(records[i].fields.at("EventID"), "1102");
  }
  EXPECT_EQ(records[0].fields.at("Provider_Guid"), "{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}");
  const std::string& xml = records[1].xml;
  EXPECT_NE(xml.find("EventSourceName='Security'/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("</System></Event>"), std::string::npos) << xml;
  EXPECT_EQ(records[1].fields.at("Provider_EventSourceName"), "Security");
}

TEST(EvtxWriter, ClassicEventWithBinary) {
  EventSpec e;
  e.provider_name = "Service Control Manager";
  e.provider_guid = guid("{555908d1-a6d7-4695-8e1e-26931d2012f4}");
  e.event_source_name = "Service Control Manager";
  e.classic_system = true;
  e.event_id = 7036;
  e.qualifiers = 16384;
  e.level = 4;
  e.keywords = 0x8080000000000000ULL;
  e.time_created = at("2024-03-01T10:00:00Z");
  e.channel = "System";
  e.computer = "SRV01";
  e.data.push_back({"", TypedValue::string("Windows Update")});
  e.data.push_back({"", TypedValue::string("running")});
  const uint8_t blob[] = {0x77, 0x00, 0x75, 0x00};
  e.binary = TypedValue::binary(blob);
  const auto records = all_records(read_file(write_events({e})));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(
      records[0].xml,
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
      "<Provider Name='Service Control Manager' Guid='{555908D1-A6D7-4695-8E1E-26931D2012F4}' "
      "EventSourceName='Service Control Manager'/><EventID Qualifiers='16384'>7036</EventID>"
      "<Level>4</Level><Task>0</Task><Keywords>0x8080000000000000</Keywords>"
      "<TimeCreated SystemTime='2024-03-01T10:00:00.0000000Z'/><EventRecordID>1</EventRecordID>"
      "<Channel>System</Channel><Computer>SRV01</Computer><Security/></System>"
      "<EventData><Data>Windows Update</Data><Data>running</Data><Binary>77007500</Binary>"
      "</EventData></Event>");
}

TEST(EvtxWriter, TemplatesAndNamesAreDefinedOncePerChunk) {
  std::vector<EventSpec> events;
  for (int i = 0; i < 20; ++i) {
    EventSpec e = security_event(i % 2 == 0 ? 4624 : 4672);
    e.data[1].value.set_string("user" + std::to_string(i));
    if (i % 2 == 1) e.data.push_back({"PrivilegeList", TypedValue::string("SeDebugPrivilege")});
    events.push_back(std::move(e));
  }
  const std::vector<uint8_t> file = write_events(events);
  ASSERT_EQ(file.size(), kHeader + kChunk);
  const auto chunks = read_file(file);
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].records.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(chunks[0].records[i].fields.at("SubjectUserName"), "user" + std::to_string(i));
  }
  const uint8_t* p = file.data() + kHeader;
  const uint32_t free = load<uint32_t>(p + 48);
  // Every name is stored once in the chunk; Data/@Name literals once per template.
  for (std::string_view name : {"EventRecordID", "Computer", "Provider", "EventData"}) {
    EXPECT_EQ(count_utf16(file, kHeader, kHeader + free, name), 1u) << name;
  }
  EXPECT_EQ(count_utf16(file, kHeader, kHeader + free, "SubjectUserSid"), 2u);
  EXPECT_EQ(count_utf16(file, kHeader, kHeader + free, "PrivilegeList"), 1u);

  // Template table: three definitions (System, 4624 body, 4672 body), each
  // in the bucket of the 65599-hash of its GUID, chained newest first.
  std::set<uint32_t> defs;
  for (uint32_t b = 0; b < 32; ++b) {
    for (uint32_t off = load<uint32_t>(p + 384 + 4 * b); off != 0; off = load<uint32_t>(p + off)) {
      ASSERT_LT(off, free);
      uint32_t h = 0;
      for (int i = 0; i < 8; ++i) h = h * 65599u + load<uint16_t>(p + off + 4 + 2 * i);
      EXPECT_EQ(h % 32, b);
      EXPECT_TRUE(defs.insert(off).second);
    }
  }
  EXPECT_EQ(defs.size(), 3u);
  // String table: every name in the bucket of its hash, with the hash stored.
  std::set<std::string> names;
  for (uint32_t b = 0; b < 64; ++b) {
    for (uint32_t off = load<uint32_t>(p + 128 + 4 * b); off != 0; off = load<uint32_t>(p + off)) {
      ASSERT_LT(off, free);
      const uint16_t units = load<uint16_t>(p + off + 6);
      uint32_t h = 0;
      for (uint16_t i = 0; i < units; ++i) h = h * 65599u + load<uint16_t>(p + off + 8 + 2 * i);
      EXPECT_EQ(h & 0xFFFF, load<uint16_t>(p + off + 4));
      EXPECT_EQ(h % 64, b);
      std::string text;
      append_utf16le_as_utf8(text, p + off + 8, units);
      EXPECT_TRUE(names.insert(text).second) << text;
    }
  }
  for (const char* n :
       {"Event",         "xmlns",       "System",     "Provider",          "Name",
        "Guid",          "EventID",     "Qualifiers", "Version",           "Level",
        "Task",          "Opcode",      "Keywords",   "TimeCreated",       "SystemTime",
        "EventRecordID", "Correlation", "ActivityID", "RelatedActivityID", "Execution",
        "ProcessID",     "ThreadID",    "Channel",    "Computer",          "Security",
        "UserID",        "EventData",   "Data"}) {
    EXPECT_EQ(names.count(n), 1u) << n;
  }
  EXPECT_EQ(names.size(), 28u);
  // Reuse makes later records much smaller than the first.
  const uint32_t first_size = load<uint32_t>(p + 512 + 4);
  const uint32_t third_size =
      load<uint32_t>(p + 512 + first_size + load<uint32_t>(p + 512 + first_size + 4) + 4);
  EXPECT_LT(third_size * 2, first_size);
}

TEST(EvtxWriter, ManyChunksRecordIdsAndChecksums) {
  MemorySink sink;
  WriterOptions options;
  options.first_record_id = 1000;
  EvtxWriter writer(sink, options);
  constexpr int kEvents = 3000;
  for (int i = 0; i < kEvents; ++i) {
    EventSpec e = security_event(i % 3 == 0 ? 4688 : 4624);
    e.time_created.ticks += static_cast<int64_t>(i) * 10'000'000;
    e.data.push_back(
        {"CommandLine", TypedValue::string(std::string(static_cast<size_t>(i % 700), 'x'))});
    ASSERT_TRUE(writer.add(e).ok());
  }
  EXPECT_EQ(writer.records(), static_cast<uint64_t>(kEvents));
  const uint32_t chunks_written = writer.chunks();
  EXPECT_GT(chunks_written, 10u);
  EXPECT_EQ(writer.file_size(), kHeader + uint64_t{chunks_written} * kChunk);
  ASSERT_TRUE(writer.finish().ok());
  EXPECT_FALSE(writer.add(security_event(1)).ok());
  ASSERT_EQ(sink.bytes.size(), kHeader + uint64_t{chunks_written} * kChunk);
  auto header = parse_file_header(sink.bytes);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->next_record_id, 1000u + kEvents);
  EXPECT_EQ(header->first_chunk, 0u);

  const auto chunks = read_file(sink.bytes);
  ASSERT_EQ(chunks.size(), chunks_written);
  uint64_t expected = 1000;
  for (const ReadChunk& c : chunks) {
    EXPECT_FALSE(c.records.empty());
    for (const ReadRecord& r : c.records) {
      EXPECT_EQ(r.id, expected);
      EXPECT_EQ(r.fields.at("EventRecordID"), std::to_string(expected));
      EXPECT_EQ(r.fields.at("CommandLine").size(), static_cast<size_t>((expected - 1000) % 700));
      EXPECT_FALSE(r.recovered);
      ++expected;
    }
  }
  EXPECT_EQ(expected, 1000u + kEvents);
}

TEST(EvtxWriter, MaxChunksMakesTheLogFull) {
  MemorySink sink;
  WriterOptions options;
  options.max_chunks = 2;
  EvtxWriter writer(sink, options);
  uint64_t added = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = writer.add(security_event(4624));
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::kLimitExceeded);
      break;
    }
    ++added;
  }
  EXPECT_TRUE(writer.full());
  EXPECT_EQ(writer.records(), added);
  EXPECT_EQ(writer.chunks(), 2u);
  ASSERT_TRUE(writer.finish().ok());
  EXPECT_EQ(sink.bytes.size(), kHeader + 2u * kChunk);
  EXPECT_EQ(all_records(read_file(sink.bytes)).size(), added);
}

TEST(EvtxWriter, ExplicitRecordIds) {
  std::vector<EventSpec> events;
  for (uint64_t id : {50u, 51u, 0u, 70u, 0u}) {
    EventSpec e = security_event(4624);
    e.record_id = id;
    events.push_back(e);
  }
  const auto records = all_records(read_file(write_events(events)));
  ASSERT_EQ(records.size(), 5u);
  const uint64_t ids[] = {50, 51, 52, 70, 71};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(records[i].id, ids[i]);
    EXPECT_EQ(records[i].fields.at("EventRecordID"), std::to_string(ids[i]));
  }
}

TEST(EvtxWriter, OversizedEventFailsAndWriterStaysUsable) {
  MemorySink sink;
  EvtxWriter writer(sink);
  ASSERT_TRUE(writer.add(security_event(4624)).ok());
  EventSpec huge = security_event(4688);
  // Each value fits its 16-bit size, but together they exceed a chunk.
  for (int i = 0; i < 4; ++i) {
    huge.data.push_back({"Part" + std::to_string(i), TypedValue::string(std::string(20000, 'a'))});
  }
  auto r = writer.add(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kLimitExceeded);
  EventSpec too_long_value = security_event(4688);
  too_long_value.data.push_back({"Big", TypedValue::string(std::string(40000, 'b'))});
  EXPECT_FALSE(writer.add(too_long_value).ok());
  ASSERT_TRUE(writer.add(security_event(4634)).ok());
  ASSERT_TRUE(writer.finish().ok());
  const auto records = all_records(read_file(sink.bytes));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id, 1u);
  EXPECT_EQ(records[1].id, 2u);
  EXPECT_EQ(records[1].fields.at("EventID"), "4634");
}

TEST(EvtxWriter, EmptyFileAndDeterminism) {
  const std::vector<uint8_t> empty = write_events({});
  ASSERT_EQ(empty.size(), kHeader);
  auto header = parse_file_header(empty);
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->checksum_ok);
  EXPECT_EQ(header->chunk_count, 0);
  EXPECT_EQ(header->next_record_id, 1u);

  std::vector<EventSpec> events;
  for (int i = 0; i < 500; ++i)
    events.push_back(security_event(static_cast<uint16_t>(4600 + i % 7)));
  EXPECT_EQ(write_events(events), write_events(events));
}

TEST(EvtxWriter, ParsesGuidsAndSids) {
  EXPECT_FALSE(Guid::parse("").has_value());
  EXPECT_FALSE(Guid::parse("{54849625-5478-4994-A5BA-3E3B0328C30D").has_value());
  EXPECT_FALSE(Guid::parse("54849625-5478-4994-A5BA-3E3B0328C30G").has_value());
  const auto g = Guid::parse("54849625-5478-4994-a5ba-3e3b0328c30d");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->bytes[0], 0x25);
  EXPECT_EQ(g->bytes[3], 0x54);
  EXPECT_EQ(g->bytes[8], 0xa5);
  EXPECT_FALSE(Sid::parse("S-1").has_value());
  EXPECT_FALSE(Sid::parse("S-1-5-x").has_value());
  EXPECT_FALSE(Sid::parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16").has_value());
  EXPECT_FALSE(Sid::parse("S-1-5-4294967296").has_value());
  const auto s = Sid::parse("S-1-5-32-544");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->bytes.size(), 16u);
  EXPECT_TRUE(Sid::parse("S-1-0").has_value());
}

}  // namespace
}  // namespace vigil::evtx
