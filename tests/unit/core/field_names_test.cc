#include "vigil/core/field_names.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(FieldNames, PredefinedIds) {
  const FieldNames names;
  EXPECT_EQ(names.size(), static_cast<size_t>(field::kCount));
  const std::pair<FieldId, std::string_view> expected[] = {
      {field::kEventID, "EventID"},
      {field::kEventIDQualifiers, "EventID_Qualifiers"},
      {field::kVersion, "Version"},
      {field::kLevel, "Level"},
      {field::kTask, "Task"},
      {field::kOpcode, "Opcode"},
      {field::kKeywords, "Keywords"},
      {field::kTimeCreated, "TimeCreated"},
      {field::kEventRecordID, "EventRecordID"},
      {field::kCorrelationActivityID, "Correlation_ActivityID"},
      {field::kCorrelationRelatedActivityID, "Correlation_RelatedActivityID"},
      {field::kExecutionProcessID, "Execution_ProcessID"},
      {field::kExecutionThreadID, "Execution_ThreadID"},
      {field::kChannel, "Channel"},
      {field::kComputer, "Computer"},
      {field::kSecurityUserID, "Security_UserID"},
      {field::kProviderName, "Provider_Name"},
      {field::kProviderGuid, "Provider_Guid"},
      {field::kProviderEventSourceName, "Provider_EventSourceName"},
      {field::kSourceFormat, "_source_format"},
  };
  static_assert(std::size(expected) == field::kCount, "every predefined id is checked");
  for (const auto& [id, name] : expected) {
    EXPECT_EQ(names.name(id), name);
    EXPECT_EQ(names.find(name), id);
  }
}

TEST(FieldNames, InternAndFind) {
  FieldNames names;
  EXPECT_EQ(names.intern("EventID"), field::kEventID);
  EXPECT_EQ(names.find("CommandLine"), std::nullopt);
  const FieldId cmd = names.intern("CommandLine");
  EXPECT_EQ(cmd, field::kCount);
  EXPECT_EQ(names.intern("CommandLine"), cmd);
  EXPECT_EQ(names.find("CommandLine"), cmd);
  EXPECT_EQ(names.intern("commandline"), cmd + 1);  // case matters
  EXPECT_EQ(names.intern(""), cmd + 2);
  EXPECT_EQ(names.name(cmd + 2), "");
  EXPECT_EQ(names.size(), static_cast<size_t>(field::kCount) + 3);
  EXPECT_EQ(names.name(kNoField), "");
  EXPECT_EQ(names.name(static_cast<FieldId>(names.size())), "");
}

TEST(FieldNames, ViewsOutliveGrowth) {
  FieldNames names;
  const std::string_view short_name = names.name(names.intern("ab"));  // small-string storage
  const std::string_view long_name = names.name(names.intern(std::string(200, 'L')));
  for (int i = 0; i < 20'000; ++i) names.intern("Field" + std::to_string(i));
  EXPECT_EQ(short_name, "ab");
  EXPECT_EQ(long_name, std::string(200, 'L'));
  EXPECT_EQ(names.name(field::kChannel), "Channel");
}

// Threads intern overlapping name sets in different orders while others
// read: every name ends with exactly one id, and ids are dense.
TEST(FieldNames, ConcurrentInterning) {
  FieldNames names;
  constexpr int kThreads = 8;
  constexpr int kNames = 2000;
  std::vector<std::string> all;
  for (int i = 0; i < kNames; ++i) all.push_back("Name" + std::to_string(i));

  std::vector<std::vector<FieldId>> seen(kThreads, std::vector<FieldId>(kNames, kNoField));
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<int> order(kNames);
      for (int i = 0; i < kNames; ++i) order[i] = i;
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1u);
      std::shuffle(order.begin(), order.end(), rng);
      for (int i : order) {
        const FieldId id = names.intern(all[i]);
        seen[t][i] = id;
        // Readers racing with writers.
        if (names.name(id) != all[i]) seen[t][i] = kNoField;
        (void)names.find(all[(i * 31) % kNames]);
        (void)names.size();
      }
    });
  }
  for (auto& thread : pool) thread.join();

  EXPECT_EQ(names.size(), static_cast<size_t>(field::kCount) + kNames);
  std::set<FieldId> ids;
  for (int i = 0; i < kNames; ++i) {
    for (int t = 0; t < kThreads; ++t) ASSERT_EQ(seen[t][i], seen[0][i]) << all[i];
    ASSERT_EQ(names.name(seen[0][i]), all[i]);
    ASSERT_GE(seen[0][i], static_cast<FieldId>(field::kCount));
    ids.insert(seen[0][i]);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kNames));
  EXPECT_EQ(*ids.rbegin(), static_cast<FieldId>(field::kCount + kNames - 1));
}

}  // namespace
}  // namespace vigil
