#include "vigil/detect/logsource.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace vigil::detect {
namespace {

std::vector<std::string> names_of(const std::vector<const SourceVariant*>& variants) {
  std::vector<std::string> out;
  for (const SourceVariant* v : variants) out.push_back(v->name);
  return out;
}

const std::vector<std::string>* condition(const SourceVariant& variant, const std::string& field) {
  for (const auto& [name, values] : variant.conditions) {
    if (name == field) return &values;
  }
  return nullptr;
}

LogsourceMapping parse_ok(const std::string& yaml) {
  auto parsed = LogsourceMapping::parse(yaml, "test.yml");
  EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
  return parsed.ok() ? std::move(parsed).value() : LogsourceMapping{};
}

Error parse_error(const std::string& yaml) {
  auto parsed = LogsourceMapping::parse(yaml, "user.yml");
  EXPECT_FALSE(parsed.ok()) << "expected an error for:\n" << yaml;
  return parsed.ok() ? Error{} : parsed.error();
}

const char kSmall[] = R"(version: 1
logsources:
  - product: Windows
    category: process_creation
    note: two sources
    variants:
      - name: sysmon-1
        conditions:
          Channel: Microsoft-Windows-Sysmon/Operational
          EventID: 1
      - name: security-4688
        conditions: {Channel: Security, EventID: [4688, "4689"]}
        renames:
          Image: NewProcessName
        fields: [Image, CommandLine]
  - service: apache
    variants:
      - name: error-log
        conditions: {_source_format: apache-error}
)";

TEST(LogsourceParse, ReadsEntriesVariantsAndLines) {
  LogsourceMapping mapping = parse_ok(kSmall);
  ASSERT_EQ(mapping.entries().size(), 2u);
  const LogsourceMapping::Entry& first = mapping.entries()[0];
  EXPECT_EQ(first.key.product, "windows");  // lower-cased
  EXPECT_EQ(first.key.category, "process_creation");
  EXPECT_EQ(first.key.service, "");
  EXPECT_EQ(first.note, "two sources");
  EXPECT_EQ(first.origin, "test.yml");
  EXPECT_EQ(first.line, 3u);
  ASSERT_EQ(first.variants.size(), 2u);

  const SourceVariant& sysmon = first.variants[0];
  EXPECT_EQ(sysmon.name, "sysmon-1");
  EXPECT_EQ(sysmon.line, 7u);
  ASSERT_EQ(sysmon.conditions.size(), 2u);
  EXPECT_EQ(sysmon.conditions[0].first, "Channel");
  EXPECT_EQ(sysmon.conditions[0].second,
            std::vector<std::string>{"Microsoft-Windows-Sysmon/Operational"});
  EXPECT_EQ(sysmon.conditions[1].first, "EventID");
  EXPECT_EQ(sysmon.conditions[1].second, std::vector<std::string>{"1"});  // numbers as text
  EXPECT_FALSE(sysmon.fields.has_value());
  EXPECT_TRUE(sysmon.has_field("anything"));
  EXPECT_EQ(sysmon.event_field("Image"), "Image");

  const SourceVariant& security = first.variants[1];
  EXPECT_EQ(*condition(security, "EventID"), (std::vector<std::string>{"4688", "4689"}));
  EXPECT_EQ(security.event_field("Image"), "NewProcessName");
  EXPECT_EQ(security.event_field("CommandLine"), "CommandLine");
  EXPECT_TRUE(security.has_field("CommandLine"));
  EXPECT_FALSE(security.has_field("Hashes"));
  EXPECT_FALSE(security.has_field("commandline"));  // field names are case-sensitive

  EXPECT_EQ(mapping.entries()[1].key.to_string(), "-/-/apache");
}

TEST(LogsourceParse, EmptyFileIsAnEmptyMapping) {
  EXPECT_TRUE(parse_ok("").entries().empty());
  EXPECT_TRUE(parse_ok("# nothing\n").entries().empty());
  EXPECT_TRUE(parse_ok("logsources: []\n").entries().empty());
}

struct BadFile {
  const char* what;
  const char* yaml;
  uint64_t line;
  const char* message_part;
};

TEST(LogsourceParse, ErrorsNameFileAndLine) {
  const BadFile cases[] = {
      {"syntax", "logsources:\n  - product: windows\n    variants: [\n", 4, ""},
      {"bad indentation", "logsources:\n  - product: a\n   service: b\n", 3, ""},
      {"unknown top-level key", "version: 1\nlogsource: []\n", 2, "unknown top-level key"},
      {"version", "version: 2\nlogsources: []\n", 1, "unsupported version"},
      {"top level is a list", "- a\n- b\n", 1, "must be a map"},
      {"missing logsources", "version: 1\n", 1, "missing 'logsources'"},
      {"unknown entry key",
       "logsources:\n  - product: windows\n    categroy: x\n    variants: []\n", 3,
       "unknown entry key 'categroy'"},
      {"no key parts", "logsources:\n  - variants:\n      - {name: a, conditions: {x: 1}}\n", 2,
       "needs a product"},
      {"no variants", "logsources:\n  - product: windows\n    service: x\n", 2, "no variants"},
      {"variant without name",
       "logsources:\n  - product: p\n    variants:\n      - conditions: {x: 1}\n", 4,
       "needs a name"},
      {"variant without conditions",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n", 4, "no conditions"},
      {"null condition",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions:\n"
       "          EventID:\n          Channel: x\n",
       6, "has no value"},
      {"map as condition value",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions:\n"
       "          EventID: {a: b}\n",
       6, "a condition"},
      {"empty condition list",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions:\n"
       "          EventID: []\n",
       6, "must not be empty"},
      {"duplicate condition field",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions:\n"
       "          EventID: 1\n          EventID: 2\n",
       7, "given twice"},
      {"rename outside fields",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions: {x: 1}\n"
       "        renames: {Image: NewProcessName}\n        fields: [CommandLine]\n",
       4, "not among its fields"},
      {"fields not a list",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions: {x: 1}\n"
       "        fields: Image\n",
       6, "fields must be a list"},
      {"unknown variant key",
       "logsources:\n  - product: p\n    variants:\n      - name: a\n        conditions: {x: 1}\n"
       "        rename: {a: b}\n",
       6, "unknown variant key 'rename'"},
      {"duplicate variant",
       "logsources:\n  - product: p\n    variants:\n      - {name: a, conditions: {x: 1}}\n"
       "      - {name: a, conditions: {x: 2}}\n",
       5, "used twice"},
      {"duplicate entry",
       "logsources:\n  - product: p\n    variants: [{name: a, conditions: {x: 1}}]\n"
       "  - product: P\n    variants: [{name: b, conditions: {x: 2}}]\n",
       4, "already defined at line 2"},
      {"replace not a boolean",
       "logsources:\n  - product: p\n    replace: maybe\n    variants: []\n", 3, "true or false"},
      {"removed and defined",
       "logsources:\n  - product: p\n    remove: [a]\n    variants:\n"
       "      - {name: a, conditions: {x: 1}}\n",
       5, "both removed and defined"},
      {"two documents", "logsources: []\n---\nlogsources: []\n", 3, "one YAML document"},
  };
  for (const BadFile& bad : cases) {
    SCOPED_TRACE(bad.what);
    Error error = parse_error(bad.yaml);
    EXPECT_EQ(error.source, "user.yml");
    EXPECT_EQ(error.offset, bad.line) << error.message;
    EXPECT_NE(error.message.find("line " + std::to_string(bad.line)), std::string::npos)
        << error.message;
    EXPECT_NE(error.message.find(bad.message_part), std::string::npos) << error.message;
  }
}

TEST(LogsourceParse, HostileInputIsAnError) {
  // Deep nesting, a huge anchor fan-out and binary junk: errors, not crashes.
  std::string deep = "logsources: " + std::string(100000, '[');
  EXPECT_FALSE(LogsourceMapping::parse(deep, "deep.yml").ok());
  std::string junk(4096, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 131 + 7);
  EXPECT_FALSE(LogsourceMapping::parse(junk, "junk.yml").ok());
  EXPECT_FALSE(LogsourceMapping::parse(std::string(17 * 1024 * 1024, ' '), "big.yml").ok());
}

// --- merge -----------------------------------------------------------------

const char kBase[] = R"(logsources:
  - product: windows
    category: process_creation
    variants:
      - {name: sysmon-1, conditions: {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1}}
      - {name: security-4688, conditions: {Channel: Security, EventID: 4688}}
  - product: windows
    service: security
    variants:
      - {name: security, conditions: {Channel: Security}}
  - product: linux
    service: auditd
    variants:
      - {name: auditd, conditions: {_source_format: auditd}}
)";

TEST(LogsourceMerge, SameNameReplacesNewNameAppends) {
  LogsourceMapping mapping = parse_ok(kBase);
  mapping.merge(parse_ok(R"(logsources:
  - product: windows
    category: process_creation
    note: forwarded logs
    variants:
      - {name: security-4688, conditions: {Channel: ForwardedEvents, EventID: 4688}}
      - {name: edr, conditions: {_source_format: json, event_type: process}}
)"));
  const LogsourceKey key{"windows", "process_creation", ""};
  auto variants = mapping.resolve(key);
  EXPECT_EQ(names_of(variants), (std::vector<std::string>{"sysmon-1", "security-4688", "edr"}));
  EXPECT_EQ(*condition(*variants[1], "Channel"), std::vector<std::string>{"ForwardedEvents"});
  EXPECT_EQ(variants[1]->origin, "test.yml");
  EXPECT_EQ(mapping.find(key)->note, "forwarded logs");
  // Other keys are untouched.
  EXPECT_EQ(names_of(mapping.resolve({"windows", "", "security"})),
            std::vector<std::string>{"security"});
}

TEST(LogsourceMerge, RemoveDropsNamedVariants) {
  LogsourceMapping mapping = parse_ok(kBase);
  mapping.merge(parse_ok(R"(logsources:
  - product: windows
    category: process_creation
    remove: [security-4688, no-such-variant]
)"));
  EXPECT_EQ(names_of(mapping.resolve({"windows", "process_creation", ""})),
            std::vector<std::string>{"sysmon-1"});
}

TEST(LogsourceMerge, ReplaceTakesTheOverrideListWhole) {
  LogsourceMapping mapping = parse_ok(kBase);
  mapping.merge(parse_ok(R"(logsources:
  - product: windows
    category: process_creation
    replace: true
    variants:
      - {name: only, conditions: {Channel: X}}
  - product: linux
    service: auditd
    replace: true
    note: we have no auditd
)"));
  EXPECT_EQ(names_of(mapping.resolve({"windows", "process_creation", ""})),
            std::vector<std::string>{"only"});
  // Replaced by nothing: the key is known but unmapped.
  EXPECT_TRUE(mapping.resolve({"linux", "", "auditd"}).empty());
  ASSERT_NE(mapping.find({"linux", "", "auditd"}), nullptr);
  EXPECT_EQ(mapping.find({"linux", "", "auditd"})->note, "we have no auditd");
}

TEST(LogsourceMerge, NewKeysAreAddedInOrder) {
  LogsourceMapping mapping = parse_ok(kBase);
  mapping.merge(parse_ok(R"(logsources:
  - product: aws
    service: cloudtrail
    replace: true
    variants:
      - {name: trail, conditions: {_source_format: json, eventVersion: "1.08"}}
)"));
  ASSERT_EQ(mapping.entries().size(), 4u);
  EXPECT_EQ(mapping.entries().back().key.to_string(), "aws/-/cloudtrail");
  EXPECT_FALSE(mapping.entries().back().replace);
  EXPECT_EQ(names_of(mapping.resolve({"AWS", "", "CloudTrail"})),
            std::vector<std::string>{"trail"});
}

TEST(LogsourceMerge, LaterFilesWin) {
  LogsourceMapping mapping = parse_ok(kBase);
  mapping.merge(
      parse_ok("logsources:\n  - product: windows\n    service: security\n"
               "    variants: [{name: security, conditions: {Channel: A}}]\n"));
  mapping.merge(
      parse_ok("logsources:\n  - product: windows\n    service: security\n"
               "    variants: [{name: security, conditions: {Channel: B}}]\n"));
  auto variants = mapping.resolve({"windows", "", "security"});
  ASSERT_EQ(variants.size(), 1u);
  EXPECT_EQ(*condition(*variants[0], "Channel"), std::vector<std::string>{"B"});
}

TEST(LogsourceMerge, BuiltinCopyIsIndependent) {
  LogsourceMapping copy = LogsourceMapping::builtin();
  copy.merge(parse_ok(
      "logsources:\n  - product: windows\n    category: process_creation\n    replace: true\n"));
  EXPECT_TRUE(copy.resolve({"windows", "process_creation", ""}).empty());
  EXPECT_EQ(LogsourceMapping::builtin().resolve({"windows", "process_creation", ""}).size(), 2u);
}

// --- resolve ---------------------------------------------------------------

TEST(LogsourceResolve, ExactKeyOnly) {
  LogsourceMapping mapping = parse_ok(kBase);
  EXPECT_EQ(mapping.resolve({"WINDOWS", "Process_Creation", ""}).size(), 2u);
  // An absent part matches only an absent part: no widening or narrowing.
  EXPECT_TRUE(mapping.resolve({"windows", "process_creation", "security"}).empty());
  EXPECT_TRUE(mapping.resolve({"windows", "", ""}).empty());
  EXPECT_TRUE(mapping.resolve({"", "process_creation", ""}).empty());
  EXPECT_EQ(mapping.find({"windows", "", ""}), nullptr);
}

// --- the built-in mapping ----------------------------------------------------

TEST(LogsourceBuiltin, ParsesWithoutError) {
  auto parsed = LogsourceMapping::parse_builtin();
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_GT(parsed->entries().size(), 100u);
  EXPECT_EQ(parsed->entries().size(), LogsourceMapping::builtin().entries().size());
  std::set<std::string> files;
  for (const auto& entry : parsed->entries()) {
    files.insert(entry.origin);
    EXPECT_FALSE(entry.variants.empty()) << entry.key.to_string();
    for (const SourceVariant& variant : entry.variants) {
      EXPECT_FALSE(variant.conditions.empty()) << entry.key.to_string() << " " << variant.name;
      EXPECT_EQ(variant.origin, entry.origin);
      // Windows event logs are told apart by channel; everything else by format.
      if (entry.key.product == "windows" && !entry.key.category.empty()) {
        EXPECT_NE(condition(variant, "Channel"), nullptr) << entry.key.to_string();
      }
      if (!condition(variant, "Channel")) {
        EXPECT_NE(condition(variant, "_source_format"), nullptr)
            << entry.key.to_string() << " " << variant.name;
      }
    }
  }
  EXPECT_EQ(files, (std::set<std::string>{"builtin:json.yml", "builtin:linux.yml",
                                          "builtin:network.yml", "builtin:windows.yml"}));
}

TEST(LogsourceBuiltin, WindowsProcessCreation) {
  auto variants = LogsourceMapping::builtin().resolve({"windows", "process_creation", ""});
  ASSERT_EQ(names_of(variants), (std::vector<std::string>{"sysmon-1", "security-4688"}));
  const SourceVariant& sysmon = *variants[0];
  EXPECT_EQ(*condition(sysmon, "Channel"),
            std::vector<std::string>{"Microsoft-Windows-Sysmon/Operational"});
  EXPECT_EQ(*condition(sysmon, "EventID"), std::vector<std::string>{"1"});
  EXPECT_FALSE(sysmon.fields.has_value());

  const SourceVariant& security = *variants[1];
  EXPECT_EQ(*condition(security, "Channel"), std::vector<std::string>{"Security"});
  EXPECT_EQ(*condition(security, "EventID"), std::vector<std::string>{"4688"});
  EXPECT_EQ(security.event_field("Image"), "NewProcessName");
  EXPECT_EQ(security.event_field("ParentImage"), "ParentProcessName");
  EXPECT_EQ(security.event_field("User"), "SubjectUserName");
  EXPECT_EQ(security.event_field("LogonId"), "SubjectLogonId");
  EXPECT_EQ(security.event_field("IntegrityLevel"), "MandatoryLabel");
  EXPECT_EQ(security.event_field("CommandLine"), "CommandLine");
  for (const char* present : {"CommandLine", "Image", "ParentImage", "User", "IntegrityLevel",
                              "EventID", "Computer", "Provider_Name", "TokenElevationType"}) {
    EXPECT_TRUE(security.has_field(present)) << present;
  }
  // Sysmon-only fields (and hexadecimal process ids): rules using them skip 4688.
  std::istringstream absent_fields(
      "Hashes ParentCommandLine OriginalFileName Description Product Company CurrentDirectory "
      "FileVersion ParentUser GrandParentImage ProcessGuid ParentProcessGuid LogonGuid "
      "TerminalSessionId ProcessId ParentProcessId imphash md5 sha1 sha256");
  for (std::string absent; absent_fields >> absent;) {
    EXPECT_FALSE(security.has_field(absent)) << absent;
  }
}

TEST(LogsourceBuiltin, PowerShellAndServices) {
  const LogsourceMapping& builtin = LogsourceMapping::builtin();
  auto script = builtin.resolve({"windows", "ps_script", ""});
  ASSERT_EQ(names_of(script),
            (std::vector<std::string>{"powershell-4104", "powershell-core-4104"}));
  EXPECT_EQ(*condition(*script[0], "Channel"),
            std::vector<std::string>{"Microsoft-Windows-PowerShell/Operational"});
  EXPECT_EQ(*condition(*script[0], "EventID"), std::vector<std::string>{"4104"});
  EXPECT_EQ(*condition(*script[1], "Channel"),
            std::vector<std::string>{"PowerShellCore/Operational"});

  auto module = builtin.resolve({"windows", "ps_module", ""});
  ASSERT_FALSE(module.empty());
  EXPECT_EQ(*condition(*module[0], "EventID"), std::vector<std::string>{"4103"});

  auto classic = builtin.resolve({"windows", "ps_classic_start", ""});
  ASSERT_EQ(classic.size(), 1u);
  EXPECT_EQ(*condition(*classic[0], "Channel"), std::vector<std::string>{"Windows PowerShell"});
  EXPECT_EQ(*condition(*classic[0], "EventID"), std::vector<std::string>{"400"});

  const std::map<std::string, std::string> channels = {
      {"security", "Security"},
      {"system", "System"},
      {"application", "Application"},
      {"powershell-classic", "Windows PowerShell"},
      {"taskscheduler", "Microsoft-Windows-TaskScheduler/Operational"},
      {"wmi", "Microsoft-Windows-WMI-Activity/Operational"},
      {"windefend", "Microsoft-Windows-Windows Defender/Operational"},
      {"bits-client", "Microsoft-Windows-Bits-Client/Operational"},
      {"msexchange-management", "MSExchange Management"},
      {"sysmon", "Microsoft-Windows-Sysmon/Operational"},
  };
  for (const auto& [service, channel] : channels) {
    auto variants = builtin.resolve({"windows", "", service});
    ASSERT_FALSE(variants.empty()) << service;
    const auto* values = condition(*variants[0], "Channel");
    ASSERT_NE(values, nullptr) << service;
    EXPECT_EQ(*values, std::vector<std::string>{channel}) << service;
    EXPECT_EQ(condition(*variants[0], "EventID"), nullptr) << service;
  }
}

TEST(LogsourceBuiltin, SysmonCategories) {
  const std::map<std::string, std::vector<std::string>> ids = {
      {"network_connection", {"3"}},    {"image_load", {"7"}},
      {"registry_set", {"13"}},         {"registry_event", {"12", "13", "14"}},
      {"pipe_created", {"17", "18"}},   {"dns_query", {"22"}},
      {"file_delete", {"23", "26"}},    {"sysmon_status", {"4", "16"}},
      {"wmi_event", {"19", "20", "21"}}};
  for (const auto& [category, expected] : ids) {
    auto variants = LogsourceMapping::builtin().resolve({"windows", category, ""});
    ASSERT_EQ(variants.size(), 1u) << category;
    EXPECT_EQ(*condition(*variants[0], "EventID"), expected) << category;
  }
}

TEST(LogsourceBuiltin, OtherFormats) {
  const LogsourceMapping& builtin = LogsourceMapping::builtin();
  auto auditd = builtin.resolve({"linux", "", "auditd"});
  ASSERT_EQ(auditd.size(), 1u);
  EXPECT_EQ(*condition(*auditd[0], "_source_format"), std::vector<std::string>{"auditd"});

  auto linux_processes = builtin.resolve({"linux", "process_creation", ""});
  ASSERT_EQ(names_of(linux_processes),
            (std::vector<std::string>{"sysmon-linux-1", "auditd-execve"}));
  EXPECT_EQ(linux_processes[1]->event_field("Image"), "exe");
  EXPECT_FALSE(linux_processes[1]->has_field("ParentImage"));

  auto sshd = builtin.resolve({"linux", "", "sshd"});
  ASSERT_EQ(sshd.size(), 1u);
  EXPECT_NE(condition(*sshd[0], "program"), nullptr);

  auto zeek_dns = builtin.resolve({"zeek", "", "dns"});
  ASSERT_EQ(zeek_dns.size(), 1u);
  EXPECT_EQ(*condition(*zeek_dns[0], "_path"), std::vector<std::string>{"dns"});

  auto web = builtin.resolve({"", "webserver", ""});
  ASSERT_EQ(names_of(web), (std::vector<std::string>{"webserver", "zeek-http"}));
  EXPECT_EQ(web[1]->event_field("cs-uri-query"), "uri");

  auto proxy = builtin.resolve({"", "proxy", ""});
  ASSERT_FALSE(proxy.empty());
  EXPECT_EQ(*condition(*proxy[0], "_source_format"), std::vector<std::string>{"proxy"});

  EXPECT_FALSE(builtin.resolve({"windows", "", ""}).empty());
  EXPECT_FALSE(builtin.resolve({"linux", "", ""}).empty());
  EXPECT_TRUE(builtin.resolve({"macos", "process_creation", ""}).empty());
}

// --- coverage of the SigmaHQ rules ---------------------------------------------

// Logsources deliberately left unmapped, with the reason (docs/logsource.md has
// the same list). "*" matches any value of that part.
struct Unmapped {
  const char* product;
  const char* category;
  const char* service;
  const char* reason;
};
const Unmapped kUnmapped[] = {
    {"macos", "*", "*", "no reader for macOS logs (Endpoint Security, unified log)"},
    {"azure", "*", "*",
     "rules use the field names of one collection pipeline, in mixed case "
     "(operationName and OperationName); no reader produces them"},
    {"m365", "*", "*",
     "rules use a normalised schema (eventSource, eventName, status) that the Office 365 "
     "export does not have"},
    {"gcp", "*", "*", "rules use Filebeat's names (gcp.audit.method_name), not the export's"},
    {"cisco", "*", "*", "network device logs: no reader"},
    {"huawei", "*", "*", "network device logs: no reader"},
    {"juniper", "*", "*", "network device logs: no reader"},
    {"fortigate", "*", "*", "network device logs: no reader"},
    {"fortios", "*", "*", "network device logs: no reader"},
    {"paloalto", "*", "*", "network device logs: no reader"},
    {"qualys", "*", "*", "vulnerability scanner findings, not a log"},
    {"*", "application", "",
     "application logs (jvm, spring, django, python, nodejs, ruby_on_rails, sql, velocity) "
     "have no common format; their keyword rules need a user mapping"},
    {"", "database", "", "SQL query logs: no reader"},
    {"windows", "file_rename", "",
     "only the Kernel-File ETW provider records renames; no event log has both names"},
};

bool part_matches(const char* pattern, const std::string& value) {
  return std::string(pattern) == "*" || value == pattern;
}

const Unmapped* unmapped_reason(const LogsourceKey& key) {
  for (const Unmapped& u : kUnmapped) {
    if (part_matches(u.product, key.product) && part_matches(u.category, key.category) &&
        part_matches(u.service, key.service)) {
      return &u;
    }
  }
  return nullptr;
}

std::string scalar_or_empty(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

TEST(LogsourceCoverage, EverySigmaHQLogsourceIsMappedOrListed) {
  namespace fs = std::filesystem;
  const fs::path sigma = fs::path(VIGIL_SHARED_DIR) / "corpus" / "sigma";
  if (!fs::is_directory(sigma / "rules")) GTEST_SKIP() << "no SigmaHQ corpus at " << sigma;

  std::vector<fs::path> files;
  for (const auto& dir : fs::directory_iterator(sigma)) {
    const std::string name = dir.path().filename().string();
    if (!dir.is_directory() || name.rfind("rules", 0) != 0) continue;
    for (const auto& file : fs::recursive_directory_iterator(dir.path())) {
      if (file.is_regular_file() && file.path().extension() == ".yml") {
        files.push_back(file.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 3000u);

  using Tuple = std::tuple<std::string, std::string, std::string>;
  std::map<Tuple, size_t> rules_per_key;
  size_t rules = 0;
  for (const fs::path& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(text.str());
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << path << ": " << e.what();
      continue;
    }
    for (const YAML::Node& document : documents) {
      if (!document.IsMap() || !document["logsource"] || !document["detection"]) continue;
      const YAML::Node logsource = document["logsource"];
      ++rules;
      ++rules_per_key[{scalar_or_empty(logsource, "product"),
                       scalar_or_empty(logsource, "category"),
                       scalar_or_empty(logsource, "service")}];
    }
  }

  const LogsourceMapping& builtin = LogsourceMapping::builtin();
  size_t mapped_rules = 0, mapped_keys = 0, listed_rules = 0;
  std::set<const Unmapped*> used;
  for (const auto& [tuple, count] : rules_per_key) {
    const LogsourceKey key{std::get<0>(tuple), std::get<1>(tuple), std::get<2>(tuple)};
    if (!builtin.resolve(key).empty()) {
      mapped_rules += count;
      ++mapped_keys;
      continue;
    }
    const Unmapped* listed = unmapped_reason(key);
    EXPECT_NE(listed, nullptr) << key.to_string() << " (" << count
                               << " rules) is neither mapped nor listed as unmapped";
    if (listed) {
      listed_rules += count;
      used.insert(listed);
    }
  }
  // A listed reason that no unmapped logsource needs any more is stale.
  for (const Unmapped& u : kUnmapped) {
    EXPECT_TRUE(used.count(&u)) << "stale allow-list entry " << u.product << "/" << u.category
                                << "/" << u.service;
  }
  std::printf(
      "logsource coverage: %zu of %zu rules (%.1f%%) in %zu of %zu distinct logsources resolve "
      "to at least one variant; %zu rules in deliberately unmapped logsources\n",
      mapped_rules, rules, 100.0 * static_cast<double>(mapped_rules) / static_cast<double>(rules),
      mapped_keys, rules_per_key.size(), listed_rules);
}

}  // namespace
}  // namespace vigil::detect
