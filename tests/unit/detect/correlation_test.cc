// The correlation engine: every correlation type, windows and their edges,
// group-by and aliases, chains, `generate`, limits and determinism, with
// rules and events written here; and the specification's own examples.

#include "vigil/detect/correlation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "correlation_support.h"

namespace vigil::detect {
namespace {

using testing::CompiledRules;

// 2024-01-01T00:00:00Z
constexpr int64_t kBaseSeconds = 1'704'067'200;

// A detection rule that the engine only knows by index: what it matches does
// not matter here, the test hands the engine its detections directly.
std::string rule(const std::string& name, const std::string& extra = {}) {
  return "title: Rule " + name + "\nname: " + name + "\n" + extra +
         "logsource:\n    product: windows\n"
         "detection:\n    selection:\n        Marker: " + name +
         "\n    condition: selection\n---\n";
}

struct Fields : std::vector<std::pair<std::string, std::string>> {
  using vector::vector;
};

class Correlations : public ::testing::Test {
 protected:
  void compile(const std::string& yaml) {
    ASSERT_EQ(rules_.compile(yaml), 0u) << rules_.diagnostics();
    detections_.clear();
    record_ = 0;
  }
  const RuleSet& set() const { return rules_.set(); }

  uint32_t rule_index(std::string_view name) const {
    const uint32_t index = rules_.rule_index(name);
    if (index == UINT32_MAX) ADD_FAILURE() << "no rule " << name;
    return index == UINT32_MAX ? 0 : index;
  }
  uint32_t correlation_index(std::string_view title) const {
    const uint32_t index = rules_.correlation_index(title);
    if (index == UINT32_MAX) ADD_FAILURE() << "no correlation " << title;
    return index == UINT32_MAX ? 0 : index;
  }

  // A detection of `rule` at `seconds` (plus `ticks`) after the base time.
  void at(double seconds, std::string_view rule_name, Fields fields, int64_t ticks = 0) {
    Detection d;
    d.rule = rule_index(rule_name);
    d.timestamp.ticks = static_cast<int64_t>((kBaseSeconds + seconds) * 1e7) + ticks;
    d.source.record_id = ++record_;
    d.source.offset = record_ * 1000;
    for (auto& [name, value] : fields) d.fields.push_back({name, value});
    detections_.push_back(std::move(d));
  }

  std::vector<CorrelationAlert> run(const CorrelationLimits& limits = {}) {
    std::vector<Detection> sorted = detections_;
    std::stable_sort(sorted.begin(), sorted.end(), detection_before);
    CorrelationEngine engine(set(), limits);
    std::vector<CorrelationAlert> alerts;
    for (const Detection& d : sorted) engine.add(d, alerts);
    engine.finish(alerts);
    stats_ = engine.stats();
    return alerts;
  }

  static double seconds(Timestamp t) {
    return static_cast<double>(t.ticks) / 1e7 - static_cast<double>(kBaseSeconds);
  }
  static std::string group_text(const CorrelationAlert& a) {
    std::string out;
    for (const auto& [name, value] : a.group) out += name + "=" + value + ";";
    return out;
  }

  CompiledRules rules_;
  std::vector<Detection> detections_;
  uint64_t record_ = 0;
  CorrelationStats stats_;
};

std::string event_count(const std::string& condition, const std::string& timespan = "1m",
                        const std::string& group_by = "[User]") {
  return rule("failed") +
         "title: Many failures\ncorrelation:\n  type: event_count\n  rules: [failed]\n"
         "  group-by: " + group_by + "\n  timespan: " + timespan +
         "\n  condition: " + condition + "\n";
}

// --- event_count -------------------------------------------------------------

TEST_F(Correlations, EventCountPerGroup) {
  compile(event_count("{gte: 3}"));
  at(0, "failed", {{"User", "alice"}});
  at(10, "failed", {{"User", "bob"}});
  at(20, "failed", {{"User", "alice"}});
  at(30, "failed", {{"User", "alice"}});
  at(40, "failed", {{"User", "bob"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  const CorrelationAlert& a = alerts[0];
  EXPECT_EQ(a.correlation, 0u);
  EXPECT_EQ(group_text(a), "User=alice;");
  EXPECT_EQ(a.value, 3);
  EXPECT_EQ(seconds(a.first), 0);
  EXPECT_EQ(seconds(a.last), 30);
  EXPECT_EQ(a.events_total, 3u);
  ASSERT_EQ(a.events.size(), 3u);
  for (const Detection& d : a.events) EXPECT_EQ(*d.field("User"), "alice");
  EXPECT_TRUE(std::is_sorted(a.events.begin(), a.events.end(), detection_before));
  EXPECT_EQ(stats_.inputs, 5u);
}

TEST_F(Correlations, WindowEndIsInclusive) {
  compile(event_count("{gte: 2}", "1m"));
  at(0, "failed", {{"User", "a"}});
  at(60, "failed", {{"User", "a"}});  // exactly one timespan later: same window
  at(200, "failed", {{"User", "b"}});
  at(260, "failed", {{"User", "b"}}, 1);  // one tick (100 ns) too late
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "User=a;");
  EXPECT_EQ(seconds(alerts[0].last), 60);
}

TEST_F(Correlations, WindowSlidesFromEventToEvent) {
  // No fixed buckets: 50, 70 and 100 s are within a minute although 0 s and
  // 100 s are not.
  compile(event_count("{gte: 3}"));
  for (double t : {0.0, 50.0, 70.0, 100.0}) at(t, "failed", {{"User", "a"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(seconds(alerts[0].first), 50);
  EXPECT_EQ(seconds(alerts[0].last), 100);
  EXPECT_EQ(alerts[0].value, 3);
}

TEST_F(Correlations, BurstIsOneAlertThenEventsAreUsedUp) {
  compile(event_count("{gte: 3}"));
  for (int i = 0; i < 7; ++i) at(i * 5, "failed", {{"User", "a"}});  // 0..30 s
  for (int i = 0; i < 2; ++i) at(65 + i, "failed", {{"User", "a"}});  // too few on their own
  for (int i = 0; i < 3; ++i) at(300 + i, "failed", {{"User", "a"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].value, 7);
  EXPECT_EQ(seconds(alerts[0].last), 30);
  EXPECT_EQ(alerts[1].value, 3);
  EXPECT_EQ(seconds(alerts[1].first), 300);
}

TEST_F(Correlations, ConditionOperatorsAndRanges) {
  struct Case {
    std::string condition;
    std::vector<std::string> users;  // which groups alert (group x has N_x events)
  };
  // Groups: one has 1 event, two has 2, three has 3, five has 5.
  const Case cases[] = {
      {"{gt: 2}", {"five", "three"}},
      {"{gte: 2}", {"five", "three", "two"}},
      {"{lt: 3}", {"one", "two"}},
      {"{lte: 3}", {"one", "three", "two"}},
      {"{eq: 3}", {"three"}},
      {"{neq: 3}", {"five", "one", "two"}},
      {"{gt: 1, lte: 3}", {"three", "two"}},
      {"{gte: 2, lt: 5, neq: 3}", {"two"}},
  };
  for (const Case& c : cases) {
    compile(event_count(c.condition, "1h"));
    const std::pair<const char*, int> groups[] = {{"one", 1}, {"two", 2}, {"three", 3}, {"five", 5}};
    for (const auto& [user, n] : groups) {
      for (int i = 0; i < n; ++i) at(i, "failed", {{"User", user}});
    }
    std::vector<std::string> alerted;
    for (const CorrelationAlert& a : run()) alerted.push_back(a.group[0].second);
    std::sort(alerted.begin(), alerted.end());
    EXPECT_EQ(alerted, c.users) << c.condition;
  }
}

TEST_F(Correlations, UpperBoundsJudgeEachWindowOnce) {
  // `lt` does not slide: the minute from 0 s holds three events, and the
  // later starts inside it (20 s: two events) are not tried. The next window
  // starts at the first event after it.
  compile(event_count("{lt: 3}"));
  for (double t : {0.0, 20.0, 40.0}) at(t, "failed", {{"User", "busy"}});
  for (double t : {0.0, 30.0, 70.0}) at(t, "failed", {{"User", "quiet"}});
  const auto alerts = run();
  std::vector<std::string> got;
  for (const CorrelationAlert& a : alerts) {
    got.push_back(group_text(a) + std::to_string(int(seconds(a.first))) + "-" +
                  std::to_string(int(seconds(a.last))));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"User=quiet;0-30", "User=quiet;70-70"}));
}

TEST_F(Correlations, MissingGroupByFieldLeavesTheEventOut) {
  compile(event_count("{gte: 2}"));
  at(0, "failed", {{"User", "a"}});
  at(1, "failed", {{"Other", "x"}});
  at(2, "failed", {{"Other", "y"}});
  EXPECT_TRUE(run().empty());
  EXPECT_EQ(stats_.without_group, 2u);
  EXPECT_EQ(stats_.inputs, 1u);
}

TEST_F(Correlations, NoGroupByIsOneGroup) {
  compile(rule("failed") +
          "title: Any failures\ncorrelation:\n  type: event_count\n  rules: [failed]\n"
          "  timespan: 1m\n  condition: {gte: 3}\n");
  at(0, "failed", {{"User", "a"}});
  at(1, "failed", {{"User", "b"}});
  at(2, "failed", {});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].group.empty());
  EXPECT_EQ(alerts[0].value, 3);
}

TEST_F(Correlations, GroupByValuesAreExactAndFieldsWithSpacesAnswer) {
  compile(event_count("{gte: 2}", "1m", "[SourceName, Host]"));
  at(0, "failed", {{"Source Name", "x"}, {"Host", "h"}});
  at(1, "failed", {{"SourceName", "x"}, {"Host", "h"}});
  at(2, "failed", {{"Source Name", "X"}, {"Host", "h"}});  // another value
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "SourceName=x;Host=h;");
}

// --- value_count ---------------------------------------------------------------

TEST_F(Correlations, ValueCountCountsDistinctValues) {
  compile(rule("failed") +
          "title: Spray\ncorrelation:\n  type: value_count\n  rules: [failed]\n"
          "  group-by: [IpAddress]\n  timespan: 10m\n"
          "  condition:\n    field: TargetUserName\n    gte: 3\n");
  for (const char* user : {"a", "b", "a", "a", "c"}) {
    at(record_, "failed", {{"IpAddress", "10.0.0.1"}, {"TargetUserName", user}});
  }
  for (const char* user : {"a", "b", "b"}) {
    at(record_, "failed", {{"IpAddress", "10.0.0.2"}, {"TargetUserName", user}});
  }
  at(20, "failed", {{"IpAddress", "10.0.0.2"}});  // no value: left out
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "IpAddress=10.0.0.1;");
  EXPECT_EQ(alerts[0].value, 3);
  EXPECT_EQ(alerts[0].events_total, 5u);
  EXPECT_EQ(stats_.without_value, 1u);
}

TEST_F(Correlations, ValueCountOverSeveralFieldsCountsCombinations) {
  compile(rule("logon") +
          "title: Pairs\ncorrelation:\n  type: value_count\n  rules: [logon]\n"
          "  group-by: [Host]\n  timespan: 10m\n"
          "  condition:\n    field: [User, Domain]\n    gte: 3\n");
  at(0, "logon", {{"Host", "h"}, {"User", "a"}, {"Domain", "d1"}});
  at(1, "logon", {{"Host", "h"}, {"User", "a"}, {"Domain", "d2"}});
  at(2, "logon", {{"Host", "h"}, {"User", "b"}, {"Domain", "d1"}});
  at(3, "logon", {{"Host", "h"}, {"User", "a"}, {"Domain", "d1"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].value, 3);
}

// --- temporal ------------------------------------------------------------------

std::string recon(const std::string& type, const std::string& condition = {}) {
  return rule("whoami") + rule("netuser") + rule("ipconfig") + "title: Recon\ncorrelation:\n  type: " +
         type + "\n  rules: [whoami, netuser, ipconfig]\n  group-by: [Computer]\n  timespan: 5m\n" +
         condition;
}

TEST_F(Correlations, TemporalNeedsEveryRuleInTheWindow) {
  compile(recon("temporal"));
  at(0, "ipconfig", {{"Computer", "pc1"}});
  at(60, "whoami", {{"Computer", "pc1"}});
  at(299, "netuser", {{"Computer", "pc1"}});
  // pc2: the third comes too late.
  at(0, "whoami", {{"Computer", "pc2"}});
  at(100, "netuser", {{"Computer", "pc2"}});
  at(301, "ipconfig", {{"Computer", "pc2"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "Computer=pc1;");
  EXPECT_EQ(alerts[0].value, 3);
  EXPECT_EQ(alerts[0].events.size(), 3u);
}

TEST_F(Correlations, TemporalConditionCountsDistinctRules) {
  compile(recon("temporal", "  condition: {gte: 2}\n"));
  at(0, "whoami", {{"Computer", "pc1"}});
  at(1, "whoami", {{"Computer", "pc1"}});  // the same rule again is not a second type
  at(0, "whoami", {{"Computer", "pc2"}});
  at(10, "ipconfig", {{"Computer", "pc2"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "Computer=pc2;");
  EXPECT_EQ(alerts[0].value, 2);
}

TEST_F(Correlations, TemporalOrderedNeedsTheListedOrder) {
  compile(recon("temporal_ordered"));
  // pc1 in order; pc2 out of order; pc3 out of order first, then in order.
  at(0, "whoami", {{"Computer", "pc1"}});
  at(1, "netuser", {{"Computer", "pc1"}});
  at(2, "ipconfig", {{"Computer", "pc1"}});
  at(0, "netuser", {{"Computer", "pc2"}});
  at(1, "whoami", {{"Computer", "pc2"}});
  at(2, "ipconfig", {{"Computer", "pc2"}});
  at(0, "ipconfig", {{"Computer", "pc3"}});
  at(1, "whoami", {{"Computer", "pc3"}});
  at(2, "ipconfig", {{"Computer", "pc3"}});
  at(3, "netuser", {{"Computer", "pc3"}});
  at(4, "ipconfig", {{"Computer", "pc3"}});
  const auto alerts = run();
  std::vector<std::string> groups;
  for (const CorrelationAlert& a : alerts) groups.push_back(group_text(a));
  EXPECT_EQ(groups, (std::vector<std::string>{"Computer=pc1;", "Computer=pc3;"}));
  for (const CorrelationAlert& a : alerts) EXPECT_EQ(a.value, 3);
}

TEST_F(Correlations, TemporalOrderedViolationsAndTies) {
  compile(recon("temporal_ordered", "  condition: {gte: 2}\n"));
  // The longest run in order is what the condition counts: netuser, ipconfig.
  at(0, "ipconfig", {{"Computer", "a"}});
  at(1, "netuser", {{"Computer", "a"}});
  at(2, "whoami", {{"Computer", "a"}});
  at(3, "ipconfig", {{"Computer", "a"}});
  // Only backwards: ipconfig, netuser, whoami.
  at(0, "ipconfig", {{"Computer", "b"}});
  at(1, "netuser", {{"Computer", "b"}});
  at(2, "whoami", {{"Computer", "b"}});
  // Two rules at the same instant count in either order.
  at(5, "netuser", {{"Computer", "c"}});
  at(5, "whoami", {{"Computer", "c"}});
  const auto alerts = run();
  std::vector<std::string> groups;
  for (const CorrelationAlert& a : alerts) groups.push_back(group_text(a) + std::to_string(int(a.value)));
  std::sort(groups.begin(), groups.end());
  EXPECT_EQ(groups, (std::vector<std::string>{"Computer=a;2", "Computer=c;2"}));
}

// --- value_sum, value_avg, value_percentile ------------------------------------

TEST_F(Correlations, ValueSumAddsNumbers) {
  compile(rule("upload") +
          "title: Exfiltration\ncorrelation:\n  type: value_sum\n  rules: [upload]\n"
          "  group-by: [User]\n  timespan: 1h\n  condition:\n    field: Bytes\n    gt: 1000\n");
  at(0, "upload", {{"User", "a"}, {"Bytes", "400"}});
  at(1, "upload", {{"User", "a"}, {"Bytes", "0x12C"}});  // 300, as EVTX writes hex
  at(2, "upload", {{"User", "a"}, {"Bytes", "many"}});   // not a number: left out
  at(3, "upload", {{"User", "a"}, {"Bytes", "300.5"}});
  at(0, "upload", {{"User", "b"}, {"Bytes", "1000"}});  // not more than 1000
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "User=a;");
  EXPECT_DOUBLE_EQ(alerts[0].value, 1000.5);
  EXPECT_EQ(alerts[0].events_total, 3u);
  EXPECT_EQ(stats_.without_value, 1u);
}

TEST_F(Correlations, ValueAvgAverages) {
  compile(rule("conn") +
          "title: Average\ncorrelation:\n  type: value_avg\n  rules: [conn]\n"
          "  group-by: [Ip]\n  timespan: 1h\n  condition:\n    field: BytesOut\n    gt: 500\n");
  for (const char* v : {"100", "900", "800"}) at(record_, "conn", {{"Ip", "x"}, {"BytesOut", v}});
  for (const char* v : {"100", "900"}) at(record_, "conn", {{"Ip", "y"}, {"BytesOut", v}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "Ip=x;");
  EXPECT_DOUBLE_EQ(alerts[0].value, 600);
}

TEST_F(Correlations, ValuePercentileFindsRareValues) {
  // Of 200 processes on a host, 150 are a.exe (75%), 48 b.exe (24%) and 2
  // c.exe (1%): only c.exe is at most 1%.
  compile(rule("proc") +
          "title: Rare process\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n"
          "  group-by: [Computer]\n  timespan: 24h\n  condition:\n    field: Image\n    lte: 1\n");
  for (int i = 0; i < 200; ++i) {
    const char* image = i % 100 == 7 ? "c.exe" : (i % 4 == 1 ? "b.exe" : "a.exe");
    at(i, "proc", {{"Computer", "pc"}, {"Image", image}});
  }
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  const CorrelationAlert& a = alerts[0];
  EXPECT_EQ(group_text(a), "Computer=pc;Image=c.exe;");
  EXPECT_DOUBLE_EQ(a.value, 1.0);
  EXPECT_EQ(a.events_total, 2u);
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(seconds(a.first), 7);
  EXPECT_EQ(seconds(a.last), 107);
  for (const Detection& d : a.events) EXPECT_EQ(*d.field("Image"), "c.exe");
}

TEST_F(Correlations, ValuePercentileShares) {
  // Shares of 1/3 and 2/3: `gt: 33.3, lt: 33.4` selects the first only;
  // `gte: 50` the second only.
  for (const auto& [condition, expected] :
       std::vector<std::pair<std::string, std::string>>{{"{field: Image, gt: 33.3, lt: 33.4}", "x"},
                                                        {"{field: Image, gte: 50}", "y"}}) {
    compile(rule("proc") + "title: Share\ncorrelation:\n  type: value_percentile\n"
                           "  rules: [proc]\n  timespan: 1h\n  condition: " + condition + "\n");
    at(0, "proc", {{"Image", "x"}});
    at(1, "proc", {{"Image", "y"}});
    at(2, "proc", {{"Image", "y"}});
    const auto alerts = run();
    ASSERT_EQ(alerts.size(), 1u) << condition;
    EXPECT_EQ(alerts[0].group.back().second, expected);
  }
}

// --- aliases, references, chains, generate ----------------------------------------

TEST_F(Correlations, AliasesJoinDifferentlyNamedFields) {
  compile(rule("internal_error") + rule("new_connection") +
          "title: Error then connection\ncorrelation:\n  type: temporal\n"
          "  rules: [internal_error, new_connection]\n  group-by: [internal_ip, remote_ip]\n"
          "  timespan: 10s\n  aliases:\n"
          "    internal_ip:\n      internal_error: destination.ip\n"
          "      new_connection: source.ip\n"
          "    remote_ip:\n      internal_error: source.ip\n"
          "      new_connection: destination.ip\n");
  at(0, "internal_error", {{"destination.ip", "10.0.0.5"}, {"source.ip", "203.0.113.9"}});
  at(3, "new_connection", {{"source.ip", "10.0.0.5"}, {"destination.ip", "203.0.113.9"}});
  // The same addresses the wrong way round do not join.
  at(20, "internal_error", {{"destination.ip", "10.0.0.6"}, {"source.ip", "203.0.113.9"}});
  at(21, "new_connection", {{"source.ip", "203.0.113.9"}, {"destination.ip", "10.0.0.6"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(group_text(alerts[0]), "internal_ip=10.0.0.5;remote_ip=203.0.113.9;");
  EXPECT_EQ(alerts[0].events.size(), 2u);
}

TEST_F(Correlations, RulesByIdOrName) {
  compile(rule("by_name") + rule("other", "id: 5d9e4a2c-1f3b-4c6d-8e7f-0a1b2c3d4e5f\n") +
          "title: Both\ncorrelation:\n  type: temporal\n"
          "  rules: [by_name, 5d9e4a2c-1f3b-4c6d-8e7f-0a1b2c3d4e5f]\n"
          "  group-by: [Computer]\n  timespan: 1m\n");
  at(0, "by_name", {{"Computer", "pc"}});
  at(1, "other", {{"Computer", "pc"}});
  EXPECT_EQ(run().size(), 1u);
}

std::string brute_force_chain(const std::string& generate_outer = "",
                              const std::string& generate_inner = "") {
  return rule("failed_login") + rule("successful_login") + rule("unrelated") +
         "title: Many failed logins\nname: many_failed\ncorrelation:\n  type: event_count\n"
         "  rules: [failed_login]\n  group-by: [User]\n  timespan: 10m\n"
         "  condition: {gte: 3}\n" + generate_inner + "---\n"
         "title: Failures then success\ncorrelation:\n  type: temporal_ordered\n"
         "  rules: [many_failed, successful_login]\n  group-by: [User]\n  timespan: 10m\n" +
         generate_outer;
}

TEST_F(Correlations, ChainedCorrelationTakesInnerAlertsAsEvents) {
  compile(brute_force_chain());
  at(0, "failed_login", {{"User", "eve"}, {"Host", "h1"}});
  at(10, "failed_login", {{"User", "eve"}, {"Host", "h2"}});
  at(20, "failed_login", {{"User", "eve"}, {"Host", "h1"}});
  at(30, "successful_login", {{"User", "eve"}});
  // bob: success before the failures.
  at(0, "successful_login", {{"User", "bob"}});
  for (int i = 0; i < 3; ++i) at(10 + i, "failed_login", {{"User", "bob"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 1u) << stats_.alerts;
  const CorrelationAlert& a = alerts[0];
  EXPECT_EQ(a.correlation, correlation_index("Failures then success"));
  EXPECT_EQ(group_text(a), "User=eve;");
  EXPECT_EQ(a.value, 2);
  EXPECT_EQ(seconds(a.first), 20);  // the inner alert counts at its last event
  EXPECT_EQ(seconds(a.last), 30);
  EXPECT_EQ(a.events_total, 4u);  // three failures through the inner alert, one success
  ASSERT_EQ(a.events.size(), 4u);
  EXPECT_EQ(seconds(a.events.front().timestamp), 0);
  EXPECT_EQ(stats_.alerts, 3u);  // two inner alerts (eve, bob), one outer
}

TEST_F(Correlations, ChainWaitsForTheInnerWindowToClose) {
  // The inner alert for eve is only settled after its 10 minute window, long
  // after the success was fed: the outer correlation still sees them in time
  // order.
  compile(brute_force_chain());
  for (int i = 0; i < 3; ++i) at(i, "failed_login", {{"User", "eve"}});
  at(5, "successful_login", {{"User", "eve"}});
  for (int i = 0; i < 50; ++i) at(100 + i * 60, "unrelated", {{"User", "x"}});
  CorrelationEngine engine(set());
  std::vector<CorrelationAlert> alerts;
  std::vector<Detection> sorted = detections_;
  std::stable_sort(sorted.begin(), sorted.end(), detection_before);
  size_t fed_before_alert = 0;
  for (const Detection& d : sorted) {
    engine.add(d, alerts);
    if (alerts.empty()) ++fed_before_alert;
  }
  ASSERT_EQ(alerts.size(), 1u);  // settled during the stream, not only by finish()
  EXPECT_LT(fed_before_alert, sorted.size());
  EXPECT_EQ(group_text(alerts[0]), "User=eve;");
  engine.finish(alerts);
  EXPECT_EQ(alerts.size(), 1u);
}

TEST_F(Correlations, GenerateDecidesWhatReportsOnItsOwn) {
  compile(brute_force_chain());
  {
    CorrelationEngine engine(set());
    EXPECT_FALSE(engine.reports_on_its_own(rule_index("failed_login")));
    EXPECT_FALSE(engine.reports_on_its_own(rule_index("successful_login")));
    EXPECT_TRUE(engine.reports_on_its_own(rule_index("unrelated")));
    EXPECT_FALSE(engine.correlation_reports_on_its_own(correlation_index("Many failed logins")));
    EXPECT_TRUE(engine.correlation_reports_on_its_own(correlation_index("Failures then success")));
    EXPECT_TRUE(engine.uses(rule_index("failed_login")));
    EXPECT_FALSE(engine.uses(rule_index("unrelated")));
  }
  compile(brute_force_chain("  generate: true\n", "  generate: true\n"));
  {
    CorrelationEngine engine(set());
    EXPECT_TRUE(engine.reports_on_its_own(rule_index("failed_login")));
    EXPECT_TRUE(engine.reports_on_its_own(rule_index("successful_login")));
    EXPECT_TRUE(engine.correlation_reports_on_its_own(correlation_index("Many failed logins")));
  }
  // With the outer one generating, the inner correlation's alerts are reported too.
  compile(brute_force_chain("  generate: true\n"));
  for (int i = 0; i < 3; ++i) at(i, "failed_login", {{"User", "eve"}});
  at(5, "successful_login", {{"User", "eve"}});
  const auto alerts = run();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].correlation, correlation_index("Many failed logins"));
  EXPECT_EQ(alerts[1].correlation, correlation_index("Failures then success"));
  {
    CorrelationEngine engine(set());
    EXPECT_FALSE(engine.reports_on_its_own(rule_index("failed_login")));  // inner: no generate
    EXPECT_TRUE(engine.reports_on_its_own(rule_index("successful_login")));
  }
}

TEST_F(Correlations, AnyCorrelationWithoutGenerateSilencesARule) {
  compile(rule("shared") +
          "title: A\ncorrelation:\n  type: event_count\n  rules: [shared]\n  timespan: 1m\n"
          "  condition: {gte: 2}\n  generate: true\n---\n"
          "title: B\ncorrelation:\n  type: event_count\n  rules: [shared]\n  timespan: 1m\n"
          "  condition: {gte: 5}\n");
  CorrelationEngine engine(set());
  EXPECT_FALSE(engine.reports_on_its_own(rule_index("shared")));
}

// --- order, limits, determinism -------------------------------------------------------

TEST_F(Correlations, AlertsComeInOutputOrder) {
  compile(rule("a") + rule("b") +
          "title: Slow\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [K]\n"
          "  timespan: 1h\n  condition: {gte: 1}\n---\n"
          "title: Fast\ncorrelation:\n  type: event_count\n  rules: [b]\n  group-by: [K]\n"
          "  timespan: 1m\n  condition: {gte: 1}\n");
  at(0, "a", {{"K", "1"}});
  at(10, "b", {{"K", "2"}});
  at(10, "b", {{"K", "1"}});
  at(10, "a", {{"K", "0"}});
  at(500, "b", {{"K", "3"}});
  CorrelationEngine engine(set());
  std::vector<CorrelationAlert> alerts;
  std::vector<Detection> sorted = detections_;
  std::stable_sort(sorted.begin(), sorted.end(), detection_before);
  for (const Detection& d : sorted) engine.add(d, alerts);
  // The fast correlation's windows closed long ago, but the slow one's alert
  // at 0 s comes first: nothing is released before all earlier ones are known.
  EXPECT_TRUE(alerts.empty());
  engine.finish(alerts);
  ASSERT_EQ(alerts.size(), 5u);
  EXPECT_TRUE(std::is_sorted(alerts.begin(), alerts.end(), correlation_alert_before));
  std::vector<std::string> order;
  for (const CorrelationAlert& a : alerts) {
    order.push_back(std::to_string(int(seconds(a.last))) +
                    rules_.correlation_title(a.correlation) + a.group[0].second);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"0Slow1", "10Slow0", "10Fast1", "10Fast2",
                                             "500Fast3"}));
}

TEST_F(Correlations, LateDetectionsAreCounted) {
  compile(event_count("{gte: 2}"));
  CorrelationEngine engine(set());
  std::vector<CorrelationAlert> alerts;
  at(100, "failed", {{"User", "a"}});
  at(50, "failed", {{"User", "a"}});
  for (const Detection& d : detections_) engine.add(d, alerts);
  engine.finish(alerts);
  EXPECT_TRUE(alerts.empty());
  EXPECT_EQ(engine.stats().late, 1u);
}

TEST_F(Correlations, EvictionUnderATinyGroupLimit) {
  compile(event_count("{gte: 2}", "1h"));
  // Three users interleaved with room for two groups: the least recently
  // updated group is closed early, its window evaluated as it stands.
  at(0, "failed", {{"User", "a"}});
  at(1, "failed", {{"User", "a"}});
  at(2, "failed", {{"User", "b"}});
  at(3, "failed", {{"User", "c"}});  // evicts a (2 events: alerts)
  at(4, "failed", {{"User", "b"}});
  at(5, "failed", {{"User", "a"}});  // evicts c (1 event: nothing)
  CorrelationLimits limits;
  limits.max_groups = 2;
  const auto alerts = run(limits);
  std::vector<std::string> got;
  for (const CorrelationAlert& a : alerts) got.push_back(group_text(a) + std::to_string(int(a.value)));
  EXPECT_EQ(got, (std::vector<std::string>{"User=a;2", "User=b;2"}));
  EXPECT_EQ(stats_.groups_evicted, 2u);
  EXPECT_LE(stats_.peak_groups, 2u);
}

TEST_F(Correlations, EntryAndWindowLimits) {
  compile(event_count("{gte: 2}", "1h"));
  for (int i = 0; i < 5; ++i) at(i, "failed", {{"User", "a"}});
  CorrelationLimits limits;
  limits.max_window_entries = 2;
  auto alerts = run(limits);
  ASSERT_EQ(alerts.size(), 2u);  // cut at two events: (0,1), (2,3); 4 alone
  EXPECT_EQ(stats_.windows_cut, 2u);
  EXPECT_LE(stats_.peak_entries, 2u);

  limits = {};
  limits.max_entries = 3;
  at(0, "failed", {{"User", "b"}});
  alerts = run(limits);
  EXPECT_LE(stats_.peak_entries, 3u);
  EXPECT_GT(stats_.groups_evicted + stats_.windows_cut, 0u);
}

TEST_F(Correlations, AlertsKeepTheFirstEventsAndCountAll) {
  compile(event_count("{gte: 3}"));
  for (int i = 0; i < 6; ++i) at(i, "failed", {{"User", "a"}, {"N", std::to_string(i)}});
  CorrelationLimits limits;
  limits.alert_events = 2;
  const auto alerts = run(limits);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].events_total, 6u);
  ASSERT_EQ(alerts[0].events.size(), 2u);
  EXPECT_EQ(*alerts[0].events[0].field("N"), "0");
  EXPECT_EQ(*alerts[0].events[1].field("N"), "1");
}

TEST_F(Correlations, HeldBytesLimitDropsCopiesNotCounts) {
  compile(event_count("{gte: 3}"));
  for (int i = 0; i < 3; ++i) at(i, "failed", {{"User", "a"}, {"Blob", std::string(4000, 'x')}});
  CorrelationLimits limits;
  limits.max_held_bytes = 6000;
  const auto alerts = run(limits);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].events_total, 3u);
  EXPECT_EQ(alerts[0].events.size(), 1u);
  EXPECT_EQ(stats_.events_not_kept, 2u);
  EXPECT_LE(stats_.peak_held_bytes, 6000u);
}

std::string serialize(const std::vector<CorrelationAlert>& alerts) {
  std::ostringstream out;
  for (const CorrelationAlert& a : alerts) {
    out << a.correlation << ' ' << a.first.ticks << ' ' << a.last.ticks << ' ' << a.value << ' '
        << a.events_total << ' ';
    for (const auto& [n, v] : a.group) out << n << '=' << v << ',';
    for (const Detection& d : a.events) out << d.rule << ':' << d.source.record_id << ',';
    out << '\n';
  }
  return out.str();
}

TEST_F(Correlations, SameInputSameAlerts) {
  compile(brute_force_chain() + "---\n" + rule("proc") +
          "title: Rare\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n"
          "  group-by: [Host]\n  timespan: 1h\n  condition: {field: Image, lt: 20}\n---\n" +
          "title: Count\ncorrelation:\n  type: value_count\n  rules: [failed_login]\n"
          "  group-by: [Host]\n  timespan: 5m\n  condition: {field: User, gte: 2}\n");
  // A pseudo-random but fixed stream.
  uint32_t x = 12345;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  const char* users[] = {"a", "b", "c", "d"};
  const char* rule_names[] = {"failed_login", "successful_login", "proc", "unrelated"};
  const char* hosts[] = {"h0", "h1", "h2"};
  const char* images[] = {"i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"};
  for (int i = 0; i < 2000; ++i) {
    const double t = i * 3 + next() % 3;
    at(t, rule_names[next() % 4],
       {{"User", users[next() % 4]}, {"Host", hosts[next() % 3]}, {"Image", images[next() % 9]}});
  }
  CorrelationLimits small;
  small.max_groups = 5;
  const std::string first = serialize(run());
  const std::string second = serialize(run());
  EXPECT_EQ(first, second);
  EXPECT_GT(stats_.alerts, 10u);
  const std::string limited1 = serialize(run(small));
  const std::string limited2 = serialize(run(small));
  EXPECT_EQ(limited1, limited2);
  // Output order holds across calls to add().
  CorrelationEngine engine(set());
  std::vector<CorrelationAlert> alerts;
  std::vector<Detection> sorted = detections_;
  std::stable_sort(sorted.begin(), sorted.end(), detection_before);
  for (const Detection& d : sorted) engine.add(d, alerts);
  const size_t streamed = alerts.size();
  engine.finish(alerts);
  EXPECT_GT(streamed, 0u);
  EXPECT_TRUE(std::is_sorted(alerts.begin(), alerts.end(), correlation_alert_before));
  EXPECT_EQ(serialize(alerts), first);
}

TEST_F(Correlations, EveryLimitTinyAtOnce) {
  compile(brute_force_chain() + "---\n" + rule("proc") +
          "title: Rare\ncorrelation:\n  type: value_percentile\n  rules: [proc]\n"
          "  group-by: [Host]\n  timespan: 1h\n  condition: {field: Image, lt: 30}\n---\n" +
          "title: Sum\ncorrelation:\n  type: value_sum\n  rules: [failed_login, proc]\n"
          "  group-by: [User]\n  timespan: 30m\n  condition: {field: N, gte: 10}\n");
  uint32_t x = 777;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  const char* rule_names[] = {"failed_login", "successful_login", "proc", "unrelated"};
  const char* users[] = {"a", "b", "c", "d", "e", "f"};
  const char* numbers[] = {"1", "2", "3", "x"};
  for (int i = 0; i < 3000; ++i) {
    at(i * 2, rule_names[next() % 4],
       {{"User", users[next() % 6]}, {"Host", users[next() % 3]}, {"Image", users[next() % 5]},
        {"N", numbers[next() % 4]}});
  }
  CorrelationLimits tiny;
  tiny.max_groups = 3;
  tiny.max_entries = 7;
  tiny.max_window_entries = 4;
  tiny.max_held_bytes = 2000;
  tiny.alert_events = 1;
  tiny.max_queued = 2;
  const auto first = run(tiny);
  const CorrelationStats stats = stats_;
  EXPECT_EQ(serialize(first), serialize(run(tiny)));
  EXPECT_GT(stats.alerts, 0u);
  EXPECT_GT(stats.groups_evicted, 0u);
  EXPECT_GT(stats.windows_cut, 0u);
  EXPECT_LE(stats.peak_groups, 3u);
  EXPECT_LE(stats.peak_entries, 7u);
  for (const CorrelationAlert& a : first) EXPECT_LE(a.events.size(), 1u);
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end(), correlation_alert_before));
}

TEST_F(Correlations, ReferenceToARejectedRuleIsReported) {
  // The referenced rule does not compile (unknown modifier): the compiler
  // rejects the correlation, so the engine has nothing to run.
  CompiledRules f;
  f.compile(rule("ok") +
            "title: Broken\nname: broken\nlogsource: {product: windows}\n"
            "detection:\n  sel:\n    A|nosuch: x\n  condition: sel\n---\n"
            "title: C\ncorrelation:\n  type: temporal\n  rules: [ok, broken]\n  timespan: 1m\n");
  CorrelationEngine engine(f.set());
  EXPECT_TRUE(engine.empty());

  // Through a chain the compiler keeps the outer correlation: the engine
  // says which part can never see an event.
  f.compile(rule("ok") +
            "title: Broken\nname: broken\nlogsource: {product: windows}\n"
            "detection:\n  sel:\n    A|nosuch: x\n  condition: sel\n---\n"
            "title: Inner\nname: inner\ncorrelation:\n  type: event_count\n  rules: [broken]\n"
            "  timespan: 1m\n  condition: {gte: 1}\n---\n"
            "title: Outer\ncorrelation:\n  type: temporal\n  rules: [ok, inner]\n  timespan: 1m\n");
  CorrelationEngine chained(f.set());
  if (f.correlation_count() == 1) {
    ASSERT_EQ(chained.diagnostics().size(), 1u);
    EXPECT_NE(chained.diagnostics()[0].message.find("'inner'"), std::string::npos);
  }
}

// --- the specification's examples --------------------------------------------------

std::filesystem::path spec_dir() {
  return std::filesystem::path(VIGIL_SHARED_DIR) / "corpus" / "sigma" / "sigma-specification";
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(CorrelationSpecification, SchemaExamplesCompile) {
  const auto dir = spec_dir() / "tests" / "schema" / "correlation";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " is absent";
  size_t examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string text = read_text(entry.path());
    // The examples name rules that are not part of them: add a stand-in for
    // each reference (by name, or by id when it looks like one).
    const auto references = testing::correlation_references(text);
    ASSERT_EQ(references.size(), 1u) << entry.path();
    std::string yaml = text + "\n---\n";
    for (const std::string& ref : references[0]) {
      const bool uuid = ref.size() == 36 && ref[8] == '-';
      yaml += "title: Stand-in\n" + std::string(uuid ? "id: " : "name: ") + ref +
              "\nlogsource: {product: windows}\ndetection:\n  sel: {A: x}\n  condition: sel\n---\n";
    }
    CompiledRules f;
    EXPECT_EQ(f.compile(yaml), 0u) << entry.path() << "\n" << f.diagnostics();
    ASSERT_EQ(f.correlation_count(), 1u) << entry.path();
    CorrelationEngine engine(f.set());
    EXPECT_TRUE(engine.diagnostics().empty()) << entry.path();
    for (uint32_t r = 0; r < f.rule_count(); ++r) {
      EXPECT_FALSE(engine.reports_on_its_own(r)) << entry.path();
      EXPECT_TRUE(engine.uses(r)) << entry.path();
    }
    ++examples;
  }
  EXPECT_EQ(examples, 8u);
}

// Fenced YAML blocks of the specification that hold a whole correlation.
std::vector<std::string> spec_blocks() {
  std::vector<std::string> blocks;
  std::istringstream in(read_text(spec_dir() / "specification" /
                                  "sigma-correlation-rules-specification.md"));
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (inside && block.find("correlation:") != std::string::npos &&
          block.find("title:") != std::string::npos && block.find("type:") != std::string::npos) {
        blocks.push_back(block);
      }
      inside = !inside && (line == "```yml" || line == "```yaml");
      block.clear();
      continue;
    }
    if (inside) block += line + "\n";
  }
  return blocks;
}

TEST(CorrelationSpecification, FailedLoginsFollowedBySuccessfulLogin) {
  const auto path = spec_dir() / "specification" / "sigma-correlation-rules-specification.md";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  const std::vector<std::string> blocks = spec_blocks();
  const std::string* example = nullptr;
  for (const std::string& b : blocks) {
    if (b.find("multiple_failed_login") != std::string::npos && b.find("---") != std::string::npos) {
      example = &b;
    }
  }
  ASSERT_NE(example, nullptr);
  CompiledRules f;
  ASSERT_EQ(f.compile(*example), 0u) << f.diagnostics();
  ASSERT_EQ(f.correlation_count(), 2u);
  ASSERT_EQ(f.rule_count(), 2u);
  uint32_t failed = 0, success = 0;
  for (uint32_t r = 0; r < f.rule_count(); ++r) {
    (f.rule_name(r) == "failed_login" ? failed : success) = r;
  }
  CorrelationEngine engine(f.set());
  EXPECT_FALSE(engine.reports_on_its_own(failed));
  EXPECT_FALSE(engine.reports_on_its_own(success));
  // Ten failures for one user within a minute, then a success: one alert of
  // the outermost correlation.
  std::vector<CorrelationAlert> alerts;
  auto feed = [&](uint32_t rule_index, int64_t second, const char* user) {
    Detection d;
    d.rule = rule_index;
    d.timestamp = Timestamp::from_unix_seconds(kBaseSeconds + second);
    d.source.record_id = static_cast<uint64_t>(second) + 1;
    d.fields = {{"EventID", rule_index == failed ? "4625" : "4624"}, {"User", user}};
    engine.add(d, alerts);
  };
  for (int i = 0; i < 10; ++i) feed(failed, i * 5, "admin");
  for (int i = 0; i < 9; ++i) feed(failed, i * 5, "guest");  // one short
  feed(success, 60, "admin");
  feed(success, 61, "guest");
  engine.finish(alerts);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(f.correlation_title(alerts[0].correlation),
            "Correlation - Multiple Failed Logins Followed by Successful Login");
  EXPECT_EQ(alerts[0].group, (std::vector<std::pair<std::string, std::string>>{{"User", "admin"}}));
  EXPECT_EQ(alerts[0].events_total, 11u);
}

TEST(CorrelationSpecification, InlineExamplesLoad) {
  const auto path = spec_dir() / "specification" / "sigma-correlation-rules-specification.md";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  size_t loaded = 0;
  for (const std::string& block : spec_blocks()) {
    size_t rejected = 0;
    loaded += testing::load_correlations(block, rejected);
    EXPECT_EQ(rejected, 0u) << block;
  }
  EXPECT_GE(loaded, 7u);
}

}  // namespace
}  // namespace vigil::detect
