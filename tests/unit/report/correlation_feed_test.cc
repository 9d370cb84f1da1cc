#include "vigil/report/correlation_feed.h"

#include <gtest/gtest.h>

#include <deque>

#include "vigil/detect/loader.h"
#include "vigil/detect/ruleset.h"

namespace vigil::report {
namespace {

constexpr const char* kRules = R"(title: Failed logon
id: 11111111-1111-4111-8111-111111111111
name: failed_logon
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
level: low
---
title: Other
id: 22222222-2222-4222-8222-222222222222
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4624
  condition: selection
level: low
---
title: Many failed logons for one user
id: 33333333-3333-4333-8333-333333333333
correlation:
  type: event_count
  rules:
    - failed_logon
  group-by:
    - TargetUserName
  timespan: 1m
  condition:
    gte: 3
level: high
)";

class CorrelationFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    detect::RuleCollection collection;
    detect::parse_rules(kRules, "test.yml", collection);
    std::vector<detect::Diagnostic> diagnostics;
    rules_ = detect::RuleSet::compile(std::move(collection), names_, {}, diagnostics);
    ASSERT_EQ(rules_->size(), 2u);
    ASSERT_EQ(rules_->correlations().size(), 1u);
  }

  // An encoded-and-decoded record, as the hunt reads them back.
  EventRecord& record(int second, const char* user, uint64_t record_id) {
    Event event;
    event.timestamp = Timestamp::from_unix_seconds(1'700'000'000 + second);
    event.source = {1, record_id, record_id * 1000, false};
    event.add(field::kEventID, Value::utf8("4625"));
    event.add(field::kComputer, Value::utf8("DC01"));
    event.add(names_.intern("TargetUserName"), Value::utf8(user));
    bytes_.emplace_back();
    encode_record(event, std::vector<uint32_t>{0}, bytes_.back());
    records_.emplace_back();
    EXPECT_TRUE(decode_record(bytes_.back(), records_.back()));
    return records_.back();
  }

  FieldNames names_;
  std::shared_ptr<const detect::RuleSet> rules_;
  std::deque<std::string> bytes_;
  std::deque<EventRecord> records_;
};

TEST_F(CorrelationFeedTest, AlertsComeBackWithTheirEvents) {
  auto feed = CorrelationFeed::create(*rules_, names_);
  ASSERT_NE(feed, nullptr);
  EXPECT_FALSE(feed->reports_on_its_own(0));  // referenced without generate
  EXPECT_TRUE(feed->reports_on_its_own(1));
  std::vector<FeedAlert> alerts;
  feed->add(record(0, "bob", 1), 0, alerts);
  feed->add(record(10, "alice", 2), 0, alerts);
  feed->add(record(20, "bob", 3), 0, alerts);
  feed->add(record(30, "bob", 4), 0, alerts);
  feed->add(record(600, "carol", 5), 0, alerts);  // far later: bob's window is complete
  feed->finish(alerts);
  ASSERT_EQ(alerts.size(), 1u);
  const FeedAlert& a = alerts[0];
  EXPECT_EQ(a.correlation, 0u);
  EXPECT_EQ(a.value, 3);
  EXPECT_EQ(a.events_total, 3u);
  EXPECT_EQ(a.last, Timestamp::from_unix_seconds(1'700'000'030));
  ASSERT_EQ(a.group.size(), 1u);
  EXPECT_EQ(a.group[0], (std::pair<std::string, std::string>{"TargetUserName", "bob"}));
  EXPECT_EQ(a.computer, "DC01");
  ASSERT_EQ(a.events.size(), 3u);
  EXPECT_EQ(a.events[0].record_id, 1u);
  EXPECT_EQ(a.events[2].record_id, 4u);
  EXPECT_EQ(a.events[2].source, 1u);
  EXPECT_EQ(feed->totals().alerts, 1u);

  std::string bytes;
  encode_alert(a, bytes);
  FeedAlert back;
  ASSERT_TRUE(decode_alert(bytes, back));
  EXPECT_EQ(back.correlation, a.correlation);
  EXPECT_EQ(back.first, a.first);
  EXPECT_EQ(back.last, a.last);
  EXPECT_EQ(back.group, a.group);
  EXPECT_EQ(back.value, a.value);
  EXPECT_EQ(back.events_total, a.events_total);
  EXPECT_EQ(back.computer, a.computer);
  ASSERT_EQ(back.events.size(), 3u);
  EXPECT_EQ(back.events[1].record_id, a.events[1].record_id);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_alert(std::string_view(bytes).substr(0, n), back)) << n;
  }
}

TEST(CorrelationFeed, NoCorrelationsNoFeed) {
  FieldNames names;
  detect::RuleCollection collection;
  detect::parse_rules(R"(title: One
id: 44444444-4444-4444-8444-444444444444
logsource: {product: windows, service: security}
detection: {selection: {EventID: 1}, condition: selection}
)",
                      "one.yml", collection);
  std::vector<detect::Diagnostic> diagnostics;
  auto rules = detect::RuleSet::compile(std::move(collection), names, {}, diagnostics);
  EXPECT_EQ(CorrelationFeed::create(*rules, names), nullptr);
}

}  // namespace
}  // namespace vigil::report
