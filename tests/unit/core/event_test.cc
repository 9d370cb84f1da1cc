#include "vigil/core/event.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace vigil {
namespace {

// {00112233-4455-6677-8899-AABBCCDDEEFF}
constexpr uint8_t kGuid[16] = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                               0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

Value guid_value() { return Value(kGuid, sizeof kGuid, static_cast<uint8_t>(ValueType::kGuid)); }

// Text that differs from store to store, so a stale view cannot pass by chance.
std::string payload(size_t index, size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (index * 7 + i) % 26);
  return s;
}

TEST(Event, AddAndFind) {
  FieldNames names;
  Event event;
  EXPECT_EQ(event.size(), 0u);
  EXPECT_EQ(event.find(field::kEventID), nullptr);
  const FieldId user = names.intern("TargetUserName");
  event.add(field::kEventID, Value::utf8("4624"));
  event.add(user, Value::utf8("alice"));
  event.add(user, Value::utf8("bob"));
  ASSERT_EQ(event.size(), 3u);
  const Value* first = event.find(user);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->utf8_view(), "alice");  // the first one
  EXPECT_EQ(event.find(field::kComputer), nullptr);
  EXPECT_EQ(event.fields()[2].name, user);
  EXPECT_EQ(event.fields()[2].value.utf8_view(), "bob");
}

TEST(Event, Text) {
  Event event;
  event.add(field::kChannel, Value::utf8("Security"));
  event.add(field::kProviderGuid, guid_value());
  std::string buffer = "stale";
  // UTF-8 values are returned as they are, without touching the buffer.
  EXPECT_EQ(event.text(field::kChannel, buffer), "Security");
  EXPECT_EQ(buffer, "stale");
  // Others are decoded in Windows spelling.
  EXPECT_EQ(event.text(field::kProviderGuid, buffer), "{00112233-4455-6677-8899-AABBCCDDEEFF}");
  EXPECT_EQ(event.text(field::kComputer, buffer), "");
}

TEST(Event, StoredViewsSurviveManyStores) {
  Event event;
  std::vector<std::pair<std::string, std::string_view>> kept;
  // Sizes cross the arena's block size, including single stores larger than a block.
  for (size_t i = 0; i < 3000; ++i) {
    const size_t size = i % 97 == 0 ? 20'000 + i : (i * 131) % 700;
    std::string text = payload(i, size);
    const std::string_view view = event.store(text);
    ASSERT_EQ(view, text);
    ASSERT_NE(static_cast<const void*>(view.data()), static_cast<const void*>(text.data()));
    kept.emplace_back(std::move(text), view);
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    ASSERT_EQ(kept[i].second, kept[i].first) << "store " << i;
  }
  // Views never overlap each other.
  for (size_t i = 1; i < kept.size(); ++i) {
    const std::string_view a = kept[i - 1].second, b = kept[i].second;
    if (a.empty() || b.empty()) continue;
    ASSERT_TRUE(a.data() + a.size() <= b.data() || b.data() + b.size() <= a.data()) << i;
  }
}

TEST(Event, StoreEmptyAndBinary) {
  Event event;
  EXPECT_EQ(event.store({}), "");
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(event.store(with_nul), with_nul);
}

TEST(Event, ClearResetsContentAndKeepsCapacity) {
  Event event;
  event.source = {3, 77, 4096, true};
  event.timestamp = Timestamp{123};
  for (FieldId id = 0; id < 40; ++id) event.add(id, Value::utf8("x"));
  const Field* fields_before = event.fields().data();
  const std::string_view first_before = event.store(payload(1, 100));
  for (size_t i = 0; i < 500; ++i) (void)event.store(payload(i, 300));

  event.clear();
  EXPECT_EQ(event.size(), 0u);
  EXPECT_EQ(event.find(0), nullptr);
  EXPECT_EQ(event.source.source_id, 0u);
  EXPECT_EQ(event.source.record_id, 0u);
  EXPECT_EQ(event.source.offset, 0u);
  EXPECT_FALSE(event.source.recovered);
  EXPECT_FALSE(event.timestamp.is_set());

  // Reused storage: the same field array and the same first arena block.
  for (FieldId id = 0; id < 40; ++id) event.add(id, Value::utf8("y"));
  EXPECT_EQ(event.fields().data(), fields_before);
  const std::string_view first_after = event.store(payload(2, 100));
  EXPECT_EQ(static_cast<const void*>(first_after.data()),
            static_cast<const void*>(first_before.data()));
  EXPECT_EQ(first_after, payload(2, 100));
}

TEST(Event, StoreAfterClearCycles) {
  Event event;
  for (int round = 0; round < 20; ++round) {
    event.clear();
    std::vector<std::pair<std::string, std::string_view>> kept;
    for (size_t i = 0; i < 200; ++i) {
      std::string text = payload(i + static_cast<size_t>(round), (i * 37 + round * 11) % 900);
      const std::string_view view = event.store(text);
      kept.emplace_back(std::move(text), view);
    }
    for (const auto& [text, view] : kept) ASSERT_EQ(view, text) << "round " << round;
  }
}

TEST(Event, AppendJson) {
  FieldNames names;
  Event event;
  std::string out = ">";
  event.append_json(out, names);
  EXPECT_EQ(out, ">{}");

  const FieldId cmd = names.intern("CommandLine");
  const FieldId quoted = names.intern("we\"ird\\name");
  event.add(field::kEventID, Value::utf8("1"));
  event.add(cmd, Value::utf8("cmd.exe /c \"echo\"\n"));
  event.add(cmd, Value::utf8("second"));
  event.add(field::kProviderGuid, guid_value());
  event.add(quoted, Value::utf8(""));
  out.clear();
  event.append_json(out, names);
  EXPECT_EQ(out,
            "{\"EventID\":\"1\","
            "\"CommandLine\":\"cmd.exe /c \\\"echo\\\"\\n\","
            "\"CommandLine\":\"second\","
            "\"Provider_Guid\":\"{00112233-4455-6677-8899-AABBCCDDEEFF}\","
            "\"we\\\"ird\\\\name\":\"\"}");
}

TEST(Event, AppendJsonDecodesUtf16) {
  FieldNames names;
  Event event;
  const uint8_t text[] = {'h', 0, 0xE9, 0, '\t', 0};
  event.add(field::kComputer, Value(text, sizeof text, static_cast<uint8_t>(ValueType::kUtf16)));
  std::string out;
  event.append_json(out, names);
  EXPECT_EQ(out, "{\"Computer\":\"h\xC3\xA9\\t\"}");
}

}  // namespace
}  // namespace vigil
