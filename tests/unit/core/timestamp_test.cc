#include "vigil/core/timestamp.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace vigil {
namespace {

constexpr int64_t kTicksPerDay = 86400 * Timestamp::kTicksPerSecond;

// 2024-01-02T03:04:05Z as Unix seconds.
constexpr int64_t kSample = 1'704'164'645;

TEST(Timestamp, UnsetByDefault) {
  const Timestamp t;
  EXPECT_FALSE(t.is_set());
  EXPECT_EQ(to_rfc3339(t), "");
  std::string out = "keep";
  append_rfc3339(out, t, 7);
  EXPECT_EQ(out, "keep");
}

TEST(Timestamp, Ordering) {
  EXPECT_LT(Timestamp{1}, Timestamp{2});
  EXPECT_EQ(Timestamp::from_unix_seconds(5), Timestamp{5 * Timestamp::kTicksPerSecond});
  EXPECT_EQ(Timestamp::from_unix_seconds(1, 999'999'999).ticks,
            Timestamp::kTicksPerSecond + 9'999'999);
}

TEST(Timestamp, DaysFromCivilKnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1970, 1, 2), 1);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 1, 2), kSample / 86400);
  EXPECT_EQ(days_from_civil(1601, 1, 1) * 86400 * Timestamp::kTicksPerSecond,
            -Timestamp::kFiletimeEpochOffset);
}

// Every day over three millennia, including years before year 0, maps to a
// date one day after the previous one, and back to the same day number.
TEST(Timestamp, CivilRoundTripOverMillennia) {
  const int64_t first = days_from_civil(-1200, 1, 1);
  const int64_t last = days_from_civil(2400, 12, 31);
  CivilTime prev = to_civil(Timestamp{(first - 1) * kTicksPerDay});
  for (int64_t day = first; day <= last; ++day) {
    const CivilTime c = to_civil(Timestamp{day * kTicksPerDay});
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), day);
    ASSERT_EQ(c.hour + c.minute + c.second + c.ticks, 0u);
    const bool next_in_month =
        c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
    const bool next_month =
        c.day == 1 &&
        ((c.year == prev.year && c.month == prev.month + 1) ||
         (c.year == prev.year + 1 && c.month == 1 && prev.month == 12 && prev.day == 31));
    ASSERT_TRUE(next_in_month || next_month) << "day " << day;
    prev = c;
  }
}

TEST(Timestamp, LeapYears) {
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);  // 400-year rule
  EXPECT_EQ(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28), 1);  // 100-year rule
  EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
  EXPECT_EQ(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28), 1);
}

TEST(Timestamp, ToCivilSplitsTheDay) {
  const Timestamp t{kSample * Timestamp::kTicksPerSecond + 1'234'567};
  const CivilTime c = to_civil(t);
  EXPECT_EQ(c.year, 2024);
  EXPECT_EQ(c.month, 1u);
  EXPECT_EQ(c.day, 2u);
  EXPECT_EQ(c.hour, 3u);
  EXPECT_EQ(c.minute, 4u);
  EXPECT_EQ(c.second, 5u);
  EXPECT_EQ(c.ticks, 1'234'567u);
}

TEST(Timestamp, ToCivilBeforeTheEpoch) {
  const CivilTime c = to_civil(Timestamp{-1});
  EXPECT_EQ(c.year, 1969);
  EXPECT_EQ(c.month, 12u);
  EXPECT_EQ(c.day, 31u);
  EXPECT_EQ(c.hour, 23u);
  EXPECT_EQ(c.minute, 59u);
  EXPECT_EQ(c.second, 59u);
  EXPECT_EQ(c.ticks, 9'999'999u);
}

TEST(Timestamp, Rfc3339EveryFractionWidth) {
  const Timestamp t{kSample * Timestamp::kTicksPerSecond + 1'234'567};
  EXPECT_EQ(to_rfc3339(t, 0), "2024-01-02T03:04:05Z");
  EXPECT_EQ(to_rfc3339(t, 1), "2024-01-02T03:04:05.1Z");
  EXPECT_EQ(to_rfc3339(t, 2), "2024-01-02T03:04:05.12Z");
  EXPECT_EQ(to_rfc3339(t, 3), "2024-01-02T03:04:05.123Z");
  EXPECT_EQ(to_rfc3339(t, 4), "2024-01-02T03:04:05.1234Z");
  EXPECT_EQ(to_rfc3339(t, 5), "2024-01-02T03:04:05.12345Z");
  EXPECT_EQ(to_rfc3339(t, 6), "2024-01-02T03:04:05.123456Z");
  EXPECT_EQ(to_rfc3339(t, 7), "2024-01-02T03:04:05.1234567Z");
  EXPECT_EQ(to_rfc3339(t), "2024-01-02T03:04:05.1234567Z");
}

TEST(Timestamp, Rfc3339TruncatesAndClamps) {
  const Timestamp t{kSample * Timestamp::kTicksPerSecond + 9'999'999};
  // Truncated, never rounded up into the next second.
  EXPECT_EQ(to_rfc3339(t, 3), "2024-01-02T03:04:05.999Z");
  EXPECT_EQ(to_rfc3339(t, 0), "2024-01-02T03:04:05Z");
  EXPECT_EQ(to_rfc3339(t, 9), "2024-01-02T03:04:05.9999999Z");
  EXPECT_EQ(to_rfc3339(t, -1), "2024-01-02T03:04:05Z");
  EXPECT_EQ(to_rfc3339(Timestamp{0}, 7), "1970-01-01T00:00:00.0000000Z");
  EXPECT_EQ(to_rfc3339(Timestamp{-1}, 7), "1969-12-31T23:59:59.9999999Z");
  EXPECT_EQ(to_rfc3339(Timestamp{1}, 6), "1970-01-01T00:00:00.000000Z");
}

TEST(Timestamp, Rfc3339Appends) {
  std::string out = "t=";
  append_rfc3339(out, Timestamp{0}, 0);
  EXPECT_EQ(out, "t=1970-01-01T00:00:00Z");
}

TEST(Timestamp, FiletimeEpoch) {
  EXPECT_EQ(Timestamp::from_filetime(0).ticks, -Timestamp::kFiletimeEpochOffset);
  EXPECT_EQ(to_rfc3339(Timestamp::from_filetime(0)), "1601-01-01T00:00:00.0000000Z");
  EXPECT_EQ(Timestamp::from_filetime(Timestamp::kFiletimeEpochOffset).ticks, 0);
  // 2024-01-02T03:04:05.1234567Z as a FILETIME.
  const uint64_t ft = static_cast<uint64_t>(Timestamp::kFiletimeEpochOffset) +
                      static_cast<uint64_t>(kSample) * 10'000'000ULL + 1'234'567;
  EXPECT_EQ(to_rfc3339(Timestamp::from_filetime(ft)), "2024-01-02T03:04:05.1234567Z");
}

TEST(Timestamp, FarFutureAndPast) {
  // The largest FILETIME Windows accepts.
  EXPECT_EQ(to_rfc3339(Timestamp::from_filetime(0x7FFF'FFFF'FFFF'FFFFULL)),
            "+30828-09-14T02:48:05.4775807Z");
  EXPECT_EQ(to_rfc3339(Timestamp{days_from_civil(9999, 12, 31) * kTicksPerDay}, 0),
            "9999-12-31T00:00:00Z");
  EXPECT_EQ(to_rfc3339(Timestamp{days_from_civil(10000, 1, 1) * kTicksPerDay}, 0),
            "+10000-01-01T00:00:00Z");
  EXPECT_EQ(to_rfc3339(Timestamp{days_from_civil(0, 1, 1) * kTicksPerDay}, 0),
            "0000-01-01T00:00:00Z");
  EXPECT_EQ(to_rfc3339(Timestamp{days_from_civil(-1, 12, 31) * kTicksPerDay}, 0),
            "-0001-12-31T00:00:00Z");
  // The extremes of the representation still format without overflow.
  const std::string max = to_rfc3339(Timestamp{INT64_MAX});
  EXPECT_EQ(max.front(), '+');
  EXPECT_EQ(max.back(), 'Z');
  const std::string min = to_rfc3339(Timestamp{INT64_MIN + 1});
  EXPECT_EQ(min.front(), '-');
  EXPECT_EQ(min.back(), 'Z');
}

TEST(Timestamp, ParseBasicForms) {
  const int64_t base = kSample * Timestamp::kTicksPerSecond;
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05Z").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-02t03:04:05z").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-02 03:04:05Z").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05").ticks, base);  // no zone: UTC
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04Z").ticks, base - 5 * Timestamp::kTicksPerSecond);
  EXPECT_EQ(parse_rfc3339("2024-01-02").ticks, (kSample / 86400) * kTicksPerDay);
}

TEST(Timestamp, ParseFractions) {
  const int64_t base = kSample * Timestamp::kTicksPerSecond;
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.1Z").ticks, base + 1'000'000);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.123Z").ticks, base + 1'230'000);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05,123Z").ticks, base + 1'230'000);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.1234567Z").ticks, base + 1'234'567);
  // Digits beyond 100 ns are accepted and dropped.
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05.123456789Z").ticks, base + 1'234'567);
}

TEST(Timestamp, ParseOffsets) {
  const int64_t base = kSample * Timestamp::kTicksPerSecond;
  const int64_t hour = 3600 * Timestamp::kTicksPerSecond;
  EXPECT_EQ(parse_rfc3339("2024-01-02T04:04:05+01:00").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-02T04:04:05+0100").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-01T22:04:05-05:00").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-02T08:34:05.5+05:30").ticks, base + 5'000'000);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05+00:00").ticks, base);
  EXPECT_EQ(parse_rfc3339("2024-01-02T03:04:05-00:00").ticks, base);
  // Crossing midnight and the year boundary.
  EXPECT_EQ(parse_rfc3339("2023-12-31T23:30:00-01:00").ticks,
            days_from_civil(2024, 1, 1) * kTicksPerDay + hour / 2);
}

TEST(Timestamp, ParseRoundTrip) {
  for (const int64_t ticks :
       {int64_t{0}, int64_t{1}, kSample * 10'000'000 + 42, -Timestamp::kFiletimeEpochOffset,
        int64_t{951'782'400} * 10'000'000}) {
    const std::string text = to_rfc3339(Timestamp{ticks});
    EXPECT_EQ(parse_rfc3339(text).ticks, ticks) << text;
  }
}

TEST(Timestamp, ParseRejectsMalformed) {
  for (const char* bad : {
           "",
           "2024",
           "2024-01",
           "24-01-02",
           "2024-1-2",
           "abcd-01-02",
           "2024-00-10",
           "2024-13-01",
           "2024-01-00",
           "2024-01-32",
           "2023-02-29",
           "2024-02-30",
           "2024-04-31",
           "2024-01-02T",
           "2024-01-02T3:04:05Z",
           "2024-01-02T24:00:00Z",
           "2024-01-02T03:60:00Z",
           "2024-01-02T03:04:61Z",
           "2024-01-02T03:04:05.Z",
           "2024-01-02T03:04:05Zjunk",
           "2024-01-02T03:04:05+1",
           "2024-01-02T03:04:05+24:00",
           "2024-01-02T03:04:05+01:60",
           "2024-01-02X03:04:05Z",
           " 2024-01-02",
       }) {
    EXPECT_FALSE(parse_rfc3339(bad).is_set()) << '"' << bad << '"';
  }
}

TEST(Timestamp, ParseAcceptsLeapDay) {
  EXPECT_TRUE(parse_rfc3339("2024-02-29").is_set());
  EXPECT_TRUE(parse_rfc3339("2000-02-29").is_set());
  EXPECT_FALSE(parse_rfc3339("1900-02-29").is_set());
  EXPECT_TRUE(parse_rfc3339("2024-12-31T23:59:60Z").is_set());  // leap second
}

}  // namespace
}  // namespace vigil
