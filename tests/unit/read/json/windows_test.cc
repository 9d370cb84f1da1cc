// Windows events in JSON: the EVTX dump shape (vigil dump, evtx_dump, and
// xmltodict-style conversions), Winlogbeat / ECS exports, Sysmon for Linux.

#include <gtest/gtest.h>

#include "json_support.h"

namespace vigil::read {
namespace {

using testing::parse_block;
using testing::Parsed;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string rfc(Timestamp t) { return t.is_set() ? to_rfc3339(t, 7) : "unset"; }

TEST(JsonWindows, EvtxDumpShapeGivesTheEvtxReadersFields) {
  FieldNames names;
  const Parsed p = parse_block(
      json_format(), testing::read_all(testing::fixture("evtx_dump_sysmon.jsonl")), names);
  ASSERT_EQ(p.events.size(), 2u) << p.issue_text();
  EXPECT_TRUE(p.issues.empty()) << p.issue_text();
  const Pairs expected = {
      {"_source_format", "evtx"},
      {"Provider_Name", "Microsoft-Windows-Sysmon"},
      {"Provider_Guid", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"},
      {"EventID", "1"},
      {"Version", "5"},
      {"Level", "4"},
      {"Task", "1"},
      {"Opcode", "0"},
      {"Keywords", "0x8000000000000000"},
      {"TimeCreated", "2024-05-14T10:02:13.5518230Z"},
      {"EventRecordID", "90211"},
      {"Execution_ProcessID", "2984"},
      {"Execution_ThreadID", "3712"},
      {"Channel", "Microsoft-Windows-Sysmon/Operational"},
      {"Computer", "FS-01.corp.example.com"},
      {"Security_UserID", "S-1-5-18"},
      {"RuleName", "-"},
      {"UtcTime", "2024-05-14 10:02:13.551"},
      {"ProcessGuid", "{6F1C5A2E-2B43-6643-3C01-000000000F00}"},
      {"ProcessId", "5120"},
      {"Image", "C:\\Windows\\System32\\vssadmin.exe"},
      {"FileVersion", "10.0.17763.1 (WinBuild.160101.0800)"},
      {"Description", "Command Line Interface for Microsoft\xC2\xAE Volume Shadow Copy Service "},
      {"Product", "Microsoft\xC2\xAE Windows\xC2\xAE Operating System"},
      {"Company", "Microsoft Corporation"},
      {"OriginalFileName", "VSSADMIN.EXE"},
      {"CommandLine", "vssadmin.exe delete shadows /all /quiet"},
      {"CurrentDirectory", "C:\\Windows\\system32\\"},
      {"User", "CORP\\svc_backup"},
      {"LogonGuid", "{6F1C5A2E-0A11-6643-F1B8-020000000000}"},
      {"LogonId", "0x2b8f1"},
      {"TerminalSessionId", "0"},
      {"IntegrityLevel", "High"},
      {"Hashes", "SHA256=8F1B2C3D4E5F60718293A4B5C6D7E8F90011223344556677889900AABBCCDDEE"},
      {"ParentProcessGuid", "{6F1C5A2E-2B40-6643-3A01-000000000F00}"},
      {"ParentProcessId", "4412"},
      {"ParentImage", "C:\\Windows\\System32\\cmd.exe"},
      {"ParentCommandLine", "\"C:\\Windows\\System32\\cmd.exe\""},
      {"ParentUser", "CORP\\svc_backup"},
  };
  EXPECT_EQ(p.events[0].fields, expected);
  EXPECT_EQ(rfc(p.events[0].timestamp), "2024-05-14T10:02:13.5518230Z");
  EXPECT_EQ(p.events[1].get("CommandLine"), "ping -n 1 10.0.0.1");
  EXPECT_EQ(p.events[1].line, 2u);

  // evtx_dump's pretty-printed output of the same events reads the same.
  const testing::ReadResult pretty =
      testing::read_path(testing::fixture("evtx_dump_sysmon_pretty.json"), names);
  ASSERT_TRUE(pretty.error.empty()) << pretty.error;
  EXPECT_EQ(pretty.format, "json");
  ASSERT_EQ(pretty.parsed.events.size(), 2u) << pretty.parsed.issue_text();
  EXPECT_EQ(pretty.parsed.events[0].fields, expected);
  EXPECT_EQ(pretty.parsed.events[0].line, 1u);
  EXPECT_GT(pretty.parsed.events[1].line, 40u);
}

TEST(JsonWindows, EvtxDumpDetails) {
  FieldNames names;
  // Renamed repeats (Name_1) are the repeated name again; a suffix without
  // its base stays. Nulls: no System field, empty EventData field. Unnamed
  // Data are Data. Other sections: Section_Leaf. UserData leaves by name,
  // attributes as Element_Attribute. An EventID with Qualifiers.
  const std::string line =
      R"({"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"P","EventSourceName":"S"}},)"
      R"("EventID":{"#attributes":{"Qualifiers":16384},"#text":7036},"Correlation":null,"Level":"",)"
      R"("TimeCreated":{"#attributes":{"SystemTime":"2024-01-02T03:04:05.123456Z"}},"Channel":"System","Computer":"h"},)"
      R"("EventData":{"param":"a","param_1":"b","Other_2":"c","Empty":null,"Data":{"#text":["x","",null]}},)"
      R"("UserData":{"EventXML":{"#attributes":{"xmlns":"u"},"Param1":"p1","Inner":{"#attributes":{"Kind":"k"},"#text":"t"}}},)"
      R"("RenderingInfo":{"#attributes":{"Culture":"en-US"},"Message":"m","Keywords":{"Keyword":["Audit Success","Classic"]}}}})";
  const Parsed p = parse_block(json_format(), line, names);
  ASSERT_EQ(p.events.size(), 1u) << p.issue_text();
  const Pairs expected = {
      {"_source_format", "evtx"},
      {"Provider_Name", "P"},
      {"Provider_EventSourceName", "S"},
      {"EventID_Qualifiers", "16384"},
      {"EventID", "7036"},
      {"TimeCreated", "2024-01-02T03:04:05.1234560Z"},
      {"Channel", "System"},
      {"Computer", "h"},
      {"param", "a"},
      {"param", "b"},
      {"Other_2", "c"},
      {"Empty", ""},
      {"Data", "x"},
      {"Data", ""},
      {"Data", ""},
      {"Param1", "p1"},
      {"Inner_Kind", "k"},
      {"Inner", "t"},
      {"RenderingInfo_Message", "m"},
      {"RenderingInfo_Keyword", "Audit Success"},
      {"RenderingInfo_Keyword", "Classic"},
  };
  EXPECT_EQ(p.events[0].fields, expected);
}

TEST(JsonWindows, XmltodictStyleConversions) {
  FieldNames names;
  const std::string line =
      R"({"source":{"file":"Security.evtx"},"Event":{"@xmlns":"x","System":{"Provider":{"@Name":"Microsoft-Windows-Security-Auditing","@Guid":"{54849625-5478-4994-A5BA-3E3B0328C30D}"},)"
      R"("EventID":"4624","TimeCreated":{"@SystemTime":"2024-01-02T03:04:05.1234567Z"},"Channel":"Security","Computer":"dc1"},)"
      R"("EventData":{"Data":[{"@Name":"TargetUserName","#text":"admin"},{"@Name":"LogonType","#text":"10"},{"@Name":"Empty"}]}}})";
  const Parsed p = parse_block(json_format(), line, names);
  ASSERT_EQ(p.events.size(), 1u) << p.issue_text();
  const Pairs expected = {
      {"_source_format", "evtx"},
      {"Provider_Name", "Microsoft-Windows-Security-Auditing"},
      {"Provider_Guid", "{54849625-5478-4994-A5BA-3E3B0328C30D}"},
      {"EventID", "4624"},
      {"TimeCreated", "2024-01-02T03:04:05.1234567Z"},
      {"Channel", "Security"},
      {"Computer", "dc1"},
      {"TargetUserName", "admin"},
      {"LogonType", "10"},
      {"Empty", ""},
      {"source.file", "Security.evtx"},
  };
  EXPECT_EQ(p.events[0].fields, expected);
  EXPECT_EQ(rfc(p.events[0].timestamp), "2024-01-02T03:04:05.1234567Z");
}

TEST(JsonWindows, WinlogbeatExportsGetEvtxNames) {
  FieldNames names;
  const Parsed p = parse_block(
      json_format(), testing::read_all(testing::fixture("winlogbeat_sysmon.jsonl")), names);
  ASSERT_EQ(p.events.size(), 3u) << p.issue_text();
  EXPECT_TRUE(p.issues.empty()) << p.issue_text();
  const auto& e = p.events[0];
  EXPECT_EQ(e.get("_source_format"), "evtx");
  EXPECT_EQ(e.get("EventID"), "1");
  EXPECT_EQ(e.get("Channel"), "Microsoft-Windows-Sysmon/Operational");
  // The event's own computer name wins over the shipper's host.name, which stays.
  EXPECT_EQ(e.all("Computer"), (std::vector<std::string>{"WS-042.corp.example.com"}));
  EXPECT_EQ(e.get("host.name"), "ws-042.corp.example.com");
  EXPECT_EQ(e.get("Provider_Name"), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(e.get("event.provider"), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(e.get("Provider_Guid"), "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}");
  EXPECT_EQ(e.get("EventRecordID"), "184467");
  EXPECT_EQ(e.get("Execution_ProcessID"), "2984");
  EXPECT_EQ(e.get("Execution_ThreadID"), "3712");
  EXPECT_EQ(e.get("Security_UserID"), "S-1-5-18");
  EXPECT_EQ(e.get("Version"), "5");
  EXPECT_EQ(e.get("event.code"), "1");  // EventID came from winlog.event_id
  EXPECT_EQ(e.get("winlog.opcode"), "Info");
  EXPECT_EQ(e.get("CommandLine"), "whoami.exe /all");
  EXPECT_EQ(e.get("Image"), "C:\\Windows\\System32\\whoami.exe");
  EXPECT_EQ(e.get("ParentCommandLine"), "\"C:\\Windows\\System32\\cmd.exe\" ");
  EXPECT_EQ(e.get("Description"), "");
  EXPECT_EQ(e.get("Product"), "Microsoft\xC2\xAE Windows\xC2\xAE Operating System");
  EXPECT_FALSE(e.has("winlog.event_data.CommandLine"));
  EXPECT_EQ(e.all("event.category"), (std::vector<std::string>{"process"}));
  EXPECT_EQ(rfc(e.timestamp), "2024-05-14T09:21:07.4120000Z");
}

TEST(JsonWindows, EcsVariants) {
  FieldNames names;
  // Flat dotted keys, event.code and host.name only, user data by leaf name.
  Parsed p = parse_block(
      json_format(),
      R"({"@timestamp":"2024-01-01T00:00:00Z","winlog.channel":"Security","event.code":4624,"host.name":"dc2",)"
      R"("winlog.event_data.TargetUserName":"bob","winlog.user_data.EventXML.Param1":"p"})",
      names);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].get("_source_format"), "evtx");
  EXPECT_EQ(p.events[0].get("Channel"), "Security");
  EXPECT_EQ(p.events[0].get("EventID"), "4624");
  EXPECT_EQ(p.events[0].get("Computer"), "dc2");
  EXPECT_EQ(p.events[0].get("TargetUserName"), "bob");
  EXPECT_EQ(p.events[0].get("Param1"), "p");
  // An Elasticsearch search hit: the event is its _source.
  p = parse_block(
      json_format(),
      R"({"_index":"winlogbeat-8","_id":"x1","_score":1,"_source":{"@timestamp":"2024-01-01T00:00:00Z",)"
      R"("winlog":{"channel":"Security","event_id":4688,"event_data":{"NewProcessName":"C:\\x.exe"}}}})",
      names);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].get("EventID"), "4688");
  EXPECT_EQ(p.events[0].get("NewProcessName"), "C:\\x.exe");
  EXPECT_FALSE(p.events[0].has("_index"));
  EXPECT_TRUE(p.events[0].timestamp.is_set());
}

TEST(JsonWindows, SysmonForLinuxLooksLikeEvtxSysmon) {
  FieldNames names;
  const Parsed p =
      parse_block(json_format(), testing::read_all(testing::fixture("sysmon_linux.jsonl")), names);
  ASSERT_EQ(p.events.size(), 2u) << p.issue_text();
  for (const auto& e : p.events) {
    EXPECT_EQ(e.get("_source_format"), "evtx");
    EXPECT_EQ(e.get("Channel"), "Linux-Sysmon/Operational");
    EXPECT_EQ(e.get("EventID"), "1");
    EXPECT_EQ(e.get("Image"), "/usr/bin/base64");
    EXPECT_TRUE(e.timestamp.is_set());
  }
  EXPECT_EQ(p.events[0].get("CommandLine"), "base64 -d /tmp/.x");
  EXPECT_EQ(p.events[0].get("ParentImage"), "/bin/sh");
  EXPECT_EQ(p.events[0].get("Computer"), "web-01");
  EXPECT_EQ(p.events[0].get("Security_UserId"), "0");
  EXPECT_EQ(rfc(p.events[0].timestamp), "2024-05-14T11:40:02.1182430Z");
  EXPECT_EQ(p.events[1].get("Computer"), "web-02");
  EXPECT_EQ(p.events[1].get("EventRecordID"), "77");
}

}  // namespace
}  // namespace vigil::read
