#include "vigil/correlate/attempts.h"

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/core/timestamp.h"

namespace vigil::correlate {
namespace {

// Builds events whose values point into strings the fixture keeps.
class AttemptsTest : public ::testing::Test {
 protected:
  Event make(const char* time, std::vector<std::pair<std::string, std::string>> fields) {
    Event e;
    e.timestamp = parse_rfc3339(time);
    for (auto& [name, value] : fields) {
      const std::string& kept = storage_.emplace_back(std::move(value));
      e.add(names_.intern(name), Value::utf8(kept));
    }
    return e;
  }
  Event web(const char* time, const std::string& ip, const std::string& uri,
            const std::string& status = "200", const std::string& agent = "Mozilla/5.0") {
    return make(time, {{"_source_format", "webserver"},
                       {"c-ip", ip},
                       {"cs-uri", uri},
                       {"sc-status", status},
                       {"cs-user-agent", agent}});
  }
  Event ssh_failure(const char* time, const std::string& ip, const std::string& user) {
    return make(time, {{"_source_format", "syslog"},
                       {"program", "sshd"},
                       {"action", "login"},
                       {"outcome", "failure"},
                       {"user", user},
                       {"src_ip", ip}});
  }
  Event conn(const char* time, const std::string& from, const std::string& to,
             const std::string& port, const std::string& state) {
    return make(time, {{"_source_format", "zeek"},
                       {"_path", "conn"},
                       {"id.orig_h", from},
                       {"id.resp_h", to},
                       {"id.resp_p", port},
                       {"conn_state", state}});
  }

  FieldNames names_;
  std::deque<std::string> storage_;
};

// "u7": built with append, which g++ 12's -Wrestrict does not misjudge as
// operator+ on a short literal can be.
std::string numbered(const char* prefix, int i) {
  std::string out(prefix);
  out.append(std::to_string(i));
  return out;
}

std::string summary(const std::vector<AttemptDay>& days) {
  std::string out;
  for (const AttemptDay& d : days) {
    out += d.date + " " + attempt_category_name(d.category) + " " + std::to_string(d.count);
    for (const AttemptSource& s : d.top_sources) out += " " + s.address + "=" + std::to_string(s.count);
    out += "\n";
  }
  return out;
}

TEST(WebRequestSignal, PayloadsScannersAndNotFound) {
  EXPECT_TRUE(classify_web_request("/a/../../etc/shadow", "", "404").exploit);
  EXPECT_TRUE(classify_web_request("/a/%252e%252e%252fboot.ini", "", "400").exploit);
  EXPECT_TRUE(classify_web_request("/item?id=1+UNION+SELECT+pass+from+users", "", "200").exploit);
  EXPECT_TRUE(classify_web_request("/", "${jndi:ldap://x/a}", "200").exploit);
  EXPECT_TRUE(classify_web_request("/q?x=%3Cscript%3Ealert(1)", "", "200").exploit);
  EXPECT_FALSE(classify_web_request("/cases/2024/index.html?page=2", "Mozilla/5.0", "200").exploit);
  EXPECT_TRUE(classify_web_request("/", "Mozilla/5.00 (Nikto/2.1.6)", "200").scanner);
  EXPECT_FALSE(classify_web_request("/", "curl/8.0", "200").scanner);
  EXPECT_TRUE(classify_web_request("/nope", "", "404").not_found);
}

TEST_F(AttemptsTest, BruteForceSprayingAndOrdinaryMistakes) {
  AttemptCounter counter(names_);
  for (int i = 0; i < 15; ++i) counter.add(ssh_failure("2026-10-01T10:00:00Z", "203.0.113.7", "root"));
  for (int i = 0; i < 12; ++i) {
    counter.add(ssh_failure("2026-10-01T11:00:00Z", "198.51.100.9", numbered("user", i)));
  }
  // A staff member mistyping: below both thresholds.
  for (int i = 0; i < 3; ++i) counter.add(ssh_failure("2026-10-01T12:00:00Z", "10.0.0.5", "alice"));
  // Successful logins and other programs do not count.
  counter.add(make("2026-10-01T12:00:00Z", {{"_source_format", "syslog"}, {"program", "sshd"},
                                            {"action", "login"}, {"outcome", "success"},
                                            {"src_ip", "203.0.113.7"}}));
  EXPECT_EQ(summary(counter.finish(3)),
            "2026-10-01 brute_force 15 203.0.113.7=15\n"
            "2026-10-01 password_spraying 12 198.51.100.9=12\n");
}

TEST_F(AttemptsTest, SprayingNeedsFewTriesPerAccount) {
  AttemptCounter counter(names_);
  // Ten accounts, but one of them tried four times: brute force by definition.
  for (int i = 0; i < 10; ++i) {
    counter.add(ssh_failure("2026-10-02T01:00:00Z", "192.0.2.1", numbered("u", i)));
  }
  for (int i = 0; i < 3; ++i) counter.add(ssh_failure("2026-10-02T01:00:00Z", "192.0.2.1", "u0"));
  EXPECT_EQ(summary(counter.finish(1)), "2026-10-02 brute_force 13 192.0.2.1=13\n");
}

TEST_F(AttemptsTest, WindowsFailedLogonsCountByAddress) {
  AttemptCounter counter(names_);
  for (int i = 0; i < 10; ++i) {
    counter.add(make("2026-10-03T05:00:00Z", {{"Channel", "Security"}, {"EventID", "4625"},
                                              {"TargetUserName", "Administrator"},
                                              {"IpAddress", "203.0.113.50"}}));
    // Console logons have no address: never an attempt from the Internet.
    counter.add(make("2026-10-03T05:00:00Z", {{"Channel", "Security"}, {"EventID", "4625"},
                                              {"TargetUserName", "bob"}, {"IpAddress", "-"}}));
  }
  EXPECT_EQ(summary(counter.finish(5)), "2026-10-03 brute_force 10 203.0.113.50=10\n");
}

TEST_F(AttemptsTest, FloodsOverTheMinuteThreshold) {
  AttemptCounter counter(names_);
  for (int i = 0; i < 300; ++i) counter.add(web("2026-10-04T08:15:30Z", "192.0.2.66", "/"));
  for (int i = 0; i < 299; ++i) counter.add(web("2026-10-04T09:15:30Z", "192.0.2.67", "/"));
  // An exploit inside a flood counts as exploitation, the rest as the flood.
  counter.add(web("2026-10-04T08:15:31Z", "192.0.2.66", "/../../etc/passwd"));
  EXPECT_EQ(summary(counter.finish(5)),
            "2026-10-04 denial_of_service 300 192.0.2.66=300\n"
            "2026-10-04 exploitation 1 192.0.2.66=1\n");
}

TEST_F(AttemptsTest, NotFoundSweepsAndScannerAgents) {
  AttemptCounter counter(names_);
  for (int i = 0; i < 20; ++i) {
    counter.add(web("2026-10-05T10:00:00Z", "198.51.100.20", "/p" + std::to_string(i), "404"));
  }
  for (int i = 0; i < 19; ++i) {
    counter.add(web("2026-10-05T10:00:00Z", "198.51.100.21", "/p" + std::to_string(i), "404"));
  }
  counter.add(web("2026-10-05T11:00:00Z", "198.51.100.22", "/", "200", "sqlmap/1.7"));
  EXPECT_EQ(summary(counter.finish(5)),
            "2026-10-05 scanning 21 198.51.100.20=20 198.51.100.22=1\n");
}

TEST_F(AttemptsTest, PortSweepsInZeek) {
  AttemptCounter counter(names_);
  for (int p = 0; p < 25; ++p) {
    counter.add(conn("2026-10-06T00:00:01Z", "203.0.113.99", "10.0.0.1", std::to_string(1000 + p), "REJ"));
  }
  for (int p = 0; p < 19; ++p) {
    counter.add(conn("2026-10-06T00:00:01Z", "203.0.113.98", "10.0.0.1", std::to_string(1000 + p), "S0"));
  }
  // Established connections are not probes.
  for (int p = 0; p < 30; ++p) {
    counter.add(conn("2026-10-06T00:00:01Z", "203.0.113.97", "10.0.0.1", std::to_string(1000 + p), "SF"));
  }
  EXPECT_EQ(summary(counter.finish(5)), "2026-10-06 scanning 25 203.0.113.99=25\n");
}

TEST_F(AttemptsTest, DaysAreUtcDays) {
  AttemptCounter counter(names_);
  for (int i = 0; i < 10; ++i) counter.add(ssh_failure("2026-10-07T23:59:59Z", "192.0.2.5", "root"));
  for (int i = 0; i < 10; ++i) counter.add(ssh_failure("2026-10-08T00:00:00Z", "192.0.2.5", "root"));
  EXPECT_EQ(summary(counter.finish(5)),
            "2026-10-07 brute_force 10 192.0.2.5=10\n2026-10-08 brute_force 10 192.0.2.5=10\n");
}

TEST_F(AttemptsTest, SplitAcrossWorkersGivesTheSameCounts) {
  std::vector<Event> events;
  for (int i = 0; i < 40; ++i) {
    events.push_back(ssh_failure("2026-10-09T03:00:00Z", "192.0.2.9", numbered("u", i % 12)));
    events.push_back(web("2026-10-09T03:00:00Z", "192.0.2.10", "/x" + std::to_string(i), "404"));
    events.push_back(conn("2026-10-09T03:00:00Z", "192.0.2.11", numbered("10.0.0.", i), "445", "S0"));
  }
  AttemptCounter whole(names_);
  for (const Event& e : events) whole.add(e);
  AttemptCounter a(names_), b(names_);
  for (size_t i = 0; i < events.size(); ++i) (i % 3 == 0 ? a : b).add(events[i]);
  a.merge(std::move(b));
  EXPECT_EQ(summary(a.finish(5)), summary(whole.finish(5)));
  EXPECT_FALSE(summary(whole.finish(5)).empty());
}

}  // namespace
}  // namespace vigil::correlate
