// Loading Sigma documents: metadata, multi-document files, correlation rules,
// filters, legacy actions, diagnostics with lines, files and folders.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sigma_fixture.h"

namespace vigil::detect {
namespace {

using testing::rule_yaml;
using testing::SigmaFixture;

RuleCollection parse(const std::string& yaml) {
  RuleCollection c;
  parse_rules(yaml, "rules.yml", c);
  return c;
}

size_t rejections(const RuleCollection& c) {
  size_t n = 0;
  for (const Diagnostic& d : c.diagnostics) n += d.rejects_rule ? 1 : 0;
  return n;
}

TEST(SigmaLoader, KeepsMetadata) {
  const RuleCollection c = parse(
      "title: Whoami Execution\n"
      "id: 0b3e9d0f-b6c2-4d0c-a9a8-6b4bd4f1a001\n"
      "name: whoami_exec\n"
      "status: test\n"
      "description: Detects whoami\n"
      "references:\n    - https://example.org/a\n"
      "author: Alice, Bob\n"
      "date: 2019-10-23\n"
      "modified: 2024-01-02\n"
      "tags:\n    - attack.discovery\n    - attack.t1033\n"
      "logsource:\n    category: process_creation\n    product: windows\n    service: sysmon\n"
      "detection:\n    selection:\n        Image|endswith: '\\whoami.exe'\n"
      "    condition: selection\n"
      "fields:\n    - CommandLine\n"
      "falsepositives:\n    - Admin activity\n"
      "level: high\n");
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_TRUE(c.diagnostics.empty());
  const Rule& r = c.rules[0];
  EXPECT_EQ(r.info.title, "Whoami Execution");
  EXPECT_EQ(r.info.id, "0b3e9d0f-b6c2-4d0c-a9a8-6b4bd4f1a001");
  EXPECT_EQ(r.info.name, "whoami_exec");
  EXPECT_EQ(r.info.author, "Alice, Bob");
  EXPECT_EQ(r.info.level, Level::kHigh);
  EXPECT_EQ(r.info.status, "test");
  EXPECT_EQ(r.info.tags, (std::vector<std::string>{"attack.discovery", "attack.t1033"}));
  EXPECT_EQ(r.info.references.size(), 1u);
  EXPECT_EQ(r.info.falsepositives.front(), "Admin activity");
  EXPECT_EQ(r.info.fields.front(), "CommandLine");
  EXPECT_EQ(r.info.date, "2019-10-23");
  EXPECT_EQ(r.logsource.category, "process_creation");
  EXPECT_EQ(r.logsource.product, "windows");
  EXPECT_EQ(r.logsource.service, "sysmon");
  EXPECT_EQ(r.info.file, "rules.yml");
  EXPECT_EQ(r.info.line, 1u);
  ASSERT_EQ(r.detection.identifiers.size(), 1u);
  EXPECT_EQ(r.detection.identifiers[0].line, 19u);
  const DetectionItem& item = r.detection.identifiers[0].alternatives[0][0];
  EXPECT_EQ(item.field, "Image");
  EXPECT_EQ(item.modifiers, std::vector<Modifier>{Modifier::kEndswith});
  EXPECT_EQ(item.values[0].text, "\\whoami.exe");
  EXPECT_EQ(item.line, 20u);
}

TEST(SigmaLoader, AuthorListAndValueKinds) {
  const RuleCollection c = parse(rule_yaml(
      "    selection:\n        A: 5\n        B: true\n        C: '5'\n        D: null\n"
      "        E:\n    condition: selection\n",
      "author:\n    - Alice\n    - Bob\n"));
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0].info.author, "Alice, Bob");
  const auto& items = c.rules[0].detection.identifiers[0].alternatives[0];
  EXPECT_EQ(items[0].values[0].kind, DetectionValue::Kind::kNumber);
  EXPECT_EQ(items[1].values[0].kind, DetectionValue::Kind::kBool);
  EXPECT_EQ(items[2].values[0].kind, DetectionValue::Kind::kString);
  EXPECT_EQ(items[3].values[0].kind, DetectionValue::Kind::kNull);
  EXPECT_EQ(items[4].values[0].kind, DetectionValue::Kind::kNull);
}

TEST(SigmaLoader, MultiDocumentFileAndLines) {
  const std::string doc = rule_yaml("    selection:\n        A: '1'\n    condition: selection\n");
  const RuleCollection c = parse(doc + "---\n" + "title: broken\nlogsource: [\n" + "---\n" + doc);
  EXPECT_EQ(c.documents, 3u);
  EXPECT_EQ(c.rules.size(), 2u);
  ASSERT_EQ(rejections(c), 1u);
  const Diagnostic& d = c.diagnostics[0];
  EXPECT_EQ(d.code, DiagCode::kYaml);
  EXPECT_GE(d.line, 10u);  // inside the second document, not at line 1
  EXPECT_LE(d.line, 12u);
  EXPECT_EQ(c.rules[1].info.line, 13u);
}

TEST(SigmaLoader, DiagnosticCarriesRuleAndLine) {
  const RuleCollection c = parse(rule_yaml(
      "    selection:\n        A|nosuch: '1'\n    condition: selection\n"));
  ASSERT_EQ(c.diagnostics.size(), 1u);
  const Diagnostic& d = c.diagnostics[0];
  EXPECT_EQ(d.file, "rules.yml");
  EXPECT_EQ(d.line, 7u);
  EXPECT_EQ(d.rule_id, "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(d.rule_title, "Test rule");
  EXPECT_TRUE(d.rejects_rule);
  EXPECT_EQ(format_diagnostic(d),
            "rules.yml:7: error: [00000000-0000-4000-8000-000000000001] unknown modifier 'nosuch' "
            "in 'A|nosuch'");
}

TEST(SigmaLoader, MissingParts) {
  EXPECT_EQ(rejections(parse("title: x\nlogsource: {product: windows}\n")), 1u);  // no detection
  EXPECT_EQ(rejections(parse("logsource: {product: w}\ndetection: {s: {A: 1}, condition: s}\n")),
            1u);  // no title
  EXPECT_EQ(rejections(parse("title: x\ndetection: {s: {A: 1}, condition: s}\n")), 1u);
  EXPECT_EQ(rejections(parse("title: x\nlogsource: {}\ndetection: {s: {A: 1}}\n")), 1u);
  EXPECT_EQ(rejections(parse("title: x\nlogsource: {}\ndetection: {condition: s}\n")), 1u);
  EXPECT_EQ(rejections(parse("title: x\nlogsource: {}\ndetection: {s: {}, condition: s}\n")), 1u);
  EXPECT_EQ(rejections(parse("title: x\nlogsource: {}\ndetection: {s: [], condition: s}\n")), 1u);
  EXPECT_EQ(rejections(parse("- just\n- a list\n")), 1u);
  EXPECT_EQ(rejections(parse("title: only a title\n")), 1u);
  // Unknown level and status: warnings only.
  const RuleCollection c = parse(rule_yaml("    s:\n        A: 1\n    condition: s\n",
                                           "level: severe\nstatus: beta\n"));
  EXPECT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.diagnostics.size(), 2u);
  EXPECT_EQ(rejections(c), 0u);
}

TEST(SigmaLoader, DuplicateKeysLastOneWins) {
  const RuleCollection c = parse(rule_yaml(
      "    s:\n        A: '1'\n        A: '2'\n    s:\n        B: '3'\n        C: '4'\n"
      "    condition: s\n"));
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.diagnostics.size(), 2u);
  const auto& ids = c.rules[0].detection.identifiers;
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_EQ(ids[0].alternatives[0].size(), 2u);
  EXPECT_EQ(ids[0].alternatives[0][0].field, "B");
}

TEST(SigmaLoader, BlankDocumentsAndBom) {
  const std::string doc = rule_yaml("    s:\n        A: 1\n    condition: s\n");
  const RuleCollection c = parse("\xEF\xBB\xBF---\n# comment only\n---\n" + doc + "...\n");
  EXPECT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.documents, 1u);
  EXPECT_TRUE(c.diagnostics.empty());
}

TEST(SigmaLoader, LegacyActions) {
  const RuleCollection c = parse(
      "action: global\n"
      "title: Global part\n"
      "logsource:\n    product: windows\n"
      "detection:\n    condition: selection\n"
      "level: high\n"
      "---\n"
      "id: 00000000-0000-4000-8000-00000000000a\n"
      "detection:\n    selection:\n        A: '1'\n"
      "---\n"
      "action: repeat\n"
      "id: 00000000-0000-4000-8000-00000000000b\n"
      "detection:\n    selection:\n        B: '1'\n"
      "---\n"
      "action: reset\n"
      "---\n"
      "title: Plain\n"
      "logsource:\n    product: windows\n"
      "detection:\n    s:\n        C: '1'\n    condition: s\n");
  EXPECT_EQ(rejections(c), 0u) << (c.diagnostics.empty() ? "" : c.diagnostics[0].message);
  ASSERT_EQ(c.rules.size(), 3u);
  EXPECT_EQ(c.rules[0].info.title, "Global part");
  EXPECT_EQ(c.rules[0].info.level, Level::kHigh);
  EXPECT_EQ(c.rules[0].detection.identifiers[0].alternatives[0][0].field, "A");
  EXPECT_EQ(c.rules[1].info.id, "00000000-0000-4000-8000-00000000000b");
  // repeat merges over the previous rule: its selection is replaced key by key.
  EXPECT_EQ(c.rules[1].detection.identifiers[0].alternatives[0].size(), 2u);
  EXPECT_EQ(c.rules[2].info.level, Level::kNone);  // reset dropped the global part
  EXPECT_EQ(rejections(parse("action: frobnicate\n")), 1u);
}

TEST(SigmaLoader, Correlations) {
  const std::string base =
      "title: Failed logon\nid: 00000000-0000-4000-8000-0000000000f1\nname: failed_logon\n"
      "logsource: {product: windows, service: security}\n"
      "detection: {s: {EventID: 4625}, condition: s}\n"
      "---\n";
  const char* types[] = {"event_count", "value_count", "temporal", "temporal_ordered",
                         "value_sum", "value_avg", "value_percentile"};
  for (const char* type : types) {
    const std::string yaml =
        base + "title: Many\nid: 00000000-0000-4000-8000-0000000000c1\nlevel: high\n"
               "correlation:\n    type: " + type +
        "\n    rules:\n        - failed_logon\n    group-by:\n        - TargetUserName\n"
        "    timespan: 15m\n    condition:\n        gte: 10\n        field: IpAddress\n";
    SigmaFixture f;
    EXPECT_EQ(f.compile(yaml), 0u) << type << "\n" << f.all_diagnostics();
    ASSERT_EQ(f.set().correlations().size(), 1u) << type;
    const Correlation& c = f.set().correlations()[0];
    EXPECT_STREQ(correlation_type_name(c.type), type);
    EXPECT_EQ(c.rules, std::vector<std::string>{"failed_logon"});
    EXPECT_EQ(c.group_by, std::vector<std::string>{"TargetUserName"});
    EXPECT_EQ(c.timespan_seconds, 900);
    ASSERT_EQ(c.condition.size(), 1u);
    EXPECT_EQ(c.condition[0].op, CompareOp::kGte);
    EXPECT_EQ(c.condition[0].value, 10);
    EXPECT_EQ(c.info.level, Level::kHigh);
  }
}

TEST(SigmaLoader, CorrelationAliasesGenerateAndChains) {
  const std::string yaml =
      "title: Error\nname: internal_error\nlogsource: {category: webserver}\n"
      "detection: {s: {sc-status: 500}, condition: s}\n"
      "---\n"
      "title: Connection\nname: new_connection\nlogsource: {category: network_connection}\n"
      "detection: {s: {Initiated: 'true'}, condition: s}\n"
      "---\n"
      "title: Pair\nname: pair\ncorrelation:\n  type: temporal\n"
      "  rules: [internal_error, new_connection]\n"
      "  group-by: [internal_ip]\n  timespan: 10s\n"
      "  aliases:\n    internal_ip:\n      internal_error: destination.ip\n"
      "      new_connection: source.ip\n"
      "generate: true\n"
      "---\n"
      "title: Chained\ncorrelation:\n  type: event_count\n  rules: [pair]\n"
      "  group-by: [internal_ip]\n  timespan: 1h\n  condition: {gt: 2, lte: 5}\n";
  SigmaFixture f;
  EXPECT_EQ(f.compile(yaml), 0u) << f.all_diagnostics();
  ASSERT_EQ(f.set().correlations().size(), 2u);
  const Correlation& pair = f.set().correlations()[0];
  EXPECT_TRUE(pair.generate);
  ASSERT_EQ(pair.aliases.size(), 1u);
  EXPECT_EQ(pair.aliases[0].alias, "internal_ip");
  EXPECT_EQ(pair.aliases[0].fields[1],
            (std::pair<std::string, std::string>{"new_connection", "source.ip"}));
  EXPECT_EQ(f.set().correlations()[1].condition.size(), 2u);
}

TEST(SigmaLoader, CorrelationErrors) {
  const std::string rule =
      "title: R\nname: r\nlogsource: {product: x}\ndetection: {s: {A: 1}, condition: s}\n---\n";
  struct Case {
    std::string correlation;
    DiagCode code;
  };
  const Case cases[] = {
      {"type: nonsense\n  rules: [r]\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: 1}",
       DiagCode::kSchema},
      {"type: event_count\n  rules: [r]\n  group-by: [a]\n  timespan: 1 hour\n  condition: {gt: 1}",
       DiagCode::kSchema},
      {"type: event_count\n  rules: [r]\n  group-by: [a]\n  timespan: 1h", DiagCode::kSchema},
      {"type: value_count\n  rules: [r]\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: 1}",
       DiagCode::kSchema},
      {"type: event_count\n  rules: [r]\n  group-by: [a]\n  timespan: 1h\n  condition: {most: 1}",
       DiagCode::kSchema},
      {"type: event_count\n  rules: [r]\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: x}",
       DiagCode::kSchema},
      {"type: event_count\n  rules: []\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: 1}",
       DiagCode::kSchema},
      {"type: event_count\n  rules: [missing]\n  group-by: [a]\n  timespan: 1h\n"
       "  condition: {gt: 1}",
       DiagCode::kReference},
      {"type: event_count\n  rules: [self]\n  group-by: [a]\n  timespan: 1h\n  condition: {gt: 1}",
       DiagCode::kReference},
  };
  for (const Case& c : cases) {
    SigmaFixture f;
    EXPECT_EQ(f.compile(rule + "title: C\nname: self\ncorrelation:\n  " + c.correlation + "\n"), 1u)
        << c.correlation;
    ASSERT_NE(f.first_rejection(), nullptr) << c.correlation;
    EXPECT_EQ(f.first_rejection()->code, c.code) << c.correlation << ": " << f.all_diagnostics();
    EXPECT_EQ(f.set().size(), 1u);
    EXPECT_TRUE(f.set().correlations().empty());
  }
}

TEST(SigmaLoader, FilterDocumentsApplyToTheRulesTheyName) {
  const std::string yaml =
      "title: Rar\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\n"
      "logsource: {category: process_creation, product: windows}\n"
      "detection: {s: {Image|endswith: '\\rar.exe'}, condition: s}\n"
      "---\n"
      "title: Other\nid: 00000000-0000-4000-8000-0000000000aa\n"
      "logsource: {category: process_creation, product: windows}\n"
      "detection: {s: {Image|endswith: '\\rar.exe'}, condition: s}\n"
      "---\n"
      "title: Filter Administrator account\n"
      "logsource: {category: process_creation, product: windows}\n"
      "filter:\n  rules:\n    - 6f3e2987-db24-4c78-a860-b4f4095a7095\n    - not-loaded\n"
      "  selection:\n    User|startswith: 'adm_'\n  condition: selection\n";
  SigmaFixture f;
  EXPECT_EQ(f.compile(yaml), 0u) << f.all_diagnostics();
  EXPECT_EQ(f.set().filters().size(), 1u);
  // One warning: the filter names a rule that is not loaded.
  ASSERT_EQ(f.diagnostics().size(), 1u);
  EXPECT_EQ(f.diagnostics()[0].code, DiagCode::kReference);
  EXPECT_EQ(f.match(f.event({{"Image", "C:\\rar.exe"}, {"User", "bob"}})),
            (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(f.match(f.event({{"Image", "C:\\rar.exe"}, {"User", "adm_bob"}})),
            (std::vector<uint32_t>{1}));
}

TEST(SigmaLoader, FilterWithOtherLogsourceIsNotApplied) {
  const std::string yaml =
      "title: R\nid: r1\nlogsource: {category: process_creation, product: windows}\n"
      "detection: {s: {A: 1}, condition: s}\n"
      "---\n"
      "title: F\nlogsource: {category: file_event, product: windows}\n"
      "filter: {rules: [r1], selection: {B: 1}, condition: selection}\n";
  SigmaFixture f;
  EXPECT_EQ(f.compile(yaml), 0u);
  ASSERT_EQ(f.diagnostics().size(), 1u);
  EXPECT_EQ(f.diagnostics()[0].code, DiagCode::kLogsource);
  EXPECT_TRUE(f.matches({{"A", "1"}, {"B", "1"}}));
}

TEST(SigmaLoader, DuplicateIdsWarn) {
  const std::string doc = rule_yaml("    s:\n        A: 1\n    condition: s\n");
  SigmaFixture f;
  EXPECT_EQ(f.compile(doc + "---\n" + doc), 0u);
  ASSERT_EQ(f.diagnostics().size(), 1u);
  EXPECT_EQ(f.diagnostics()[0].code, DiagCode::kDuplicate);
  EXPECT_EQ(f.set().size(), 2u);
}

TEST(SigmaLoader, FilesAndFolders) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("vigil_sigma_loader_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "b" / "c");
  const std::string doc = rule_yaml("    s:\n        A: 1\n    condition: s\n");
  std::ofstream(dir / "b" / "c" / "z.yml") << doc;
  std::ofstream(dir / "b" / "a.yaml") << doc;
  std::ofstream(dir / "b" / "README.md") << "not a rule";
  std::ofstream(dir / "named.txt") << doc;
  const std::vector<std::string> paths{(dir / "b").string(), (dir / "named.txt").string(),
                                       (dir / "missing").string()};
  const RuleCollection c = load_rules(paths);
  EXPECT_EQ(c.files, 4u);  // a.yaml, z.yml, named.txt, and the missing path
  ASSERT_EQ(c.rules.size(), 3u);
  // Sorted path order.
  EXPECT_NE(c.rules[0].info.file.find("a.yaml"), std::string::npos);
  EXPECT_NE(c.rules[1].info.file.find("z.yml"), std::string::npos);
  EXPECT_NE(c.rules[2].info.file.find("named.txt"), std::string::npos);
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_EQ(c.diagnostics[0].code, DiagCode::kIo);
  fs::remove_all(dir);
}

// The specification's own example documents, when ../shared is there.
TEST(SigmaLoader, SpecificationExamples) {
  const std::string dir = std::string(VIGIL_SHARED_DIR) + "/corpus/sigma/sigma-specification/tests";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " is absent";
  const std::vector<std::string> paths{dir};
  RuleCollection c = load_rules(paths);
  EXPECT_EQ(c.files, 12u);
  EXPECT_EQ(c.rules.size(), 2u);
  EXPECT_EQ(c.correlations.size(), 8u);
  EXPECT_EQ(c.filters.size(), 2u);
  EXPECT_EQ(rejections(c), 0u) << (c.diagnostics.empty() ? "" : format_diagnostic(c.diagnostics[0]));
  // Each correlation type appears with what its example says.
  bool seen_percentile = false;
  for (const Correlation& corr : c.correlations) {
    if (corr.type == CorrelationType::kValuePercentile) {
      seen_percentile = true;
      EXPECT_EQ(corr.timespan_seconds, 86400);
      EXPECT_EQ(corr.condition_fields, std::vector<std::string>{"Image"});
      ASSERT_EQ(corr.condition.size(), 1u);
      EXPECT_EQ(corr.condition[0].op, CompareOp::kLte);
    }
  }
  EXPECT_TRUE(seen_percentile);
}

}  // namespace
}  // namespace vigil::detect
