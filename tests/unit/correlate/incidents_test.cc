#include "vigil/correlate/incidents.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::correlate {
namespace {

constexpr int64_t kHour = 3600LL * Timestamp::kTicksPerSecond;
const Timestamp kStart = parse_rfc3339("2026-10-12T08:00:00Z");

IncidentDetection detection(uint64_t id, double hours, const std::string& host,
                            std::vector<std::string> accounts, const char* technique) {
  const AttackTable& table = AttackTable::builtin();
  IncidentDetection d;
  d.id = id;
  d.timestamp = Timestamp{kStart.ticks + static_cast<int64_t>(hours * kHour)};
  d.host = host;
  d.accounts = std::move(accounts);
  const Technique* t = table.technique(technique);
  EXPECT_NE(t, nullptr) << technique;
  if (t != nullptr) {
    d.techniques.push_back(t);
    d.tactics = t->tactics;
  }
  return d;
}

LogonLink logon(double hours, const std::string& to, const std::string& from,
                const std::string& account) {
  return {Timestamp{kStart.ticks + static_cast<int64_t>(hours * kHour)}, to, from, "", account};
}

// A spear-phish on a workstation, credentials dumped, a network logon with a
// stolen admin account to the file server, files collected, sent out, logs
// cleared; and, apart, an admin's script on another machine.
std::vector<IncidentDetection> intrusion() {
  return {
      detection(1, 0.0, "ws-0412.court.local", {"m.keller@court.local"}, "T1566.001"),
      detection(2, 0.1, "ws-0412.court.local", {"m.keller@court.local"}, "T1059.001"),
      detection(3, 1.0, "ws-0412.court.local", {"m.keller@court.local"}, "T1003.001"),
      detection(4, 1.5, "ws-0412.court.local", {"m.keller@court.local"}, "T1087.002"),
      detection(5, 20.0, "fs01.court.local", {"adm.weber@court.local"}, "T1021.002"),
      detection(6, 21.0, "fs01.court.local", {"adm.weber@court.local"}, "T1039"),
      detection(7, 22.0, "fs01.court.local", {"adm.weber@court.local"}, "T1560.001"),
      detection(8, 23.0, "fs01.court.local", {"adm.weber@court.local"}, "T1041"),
      detection(9, 23.5, "fs01.court.local", {"adm.weber@court.local"}, "T1070.001"),
      detection(10, 30.0, "ws-0007.court.local", {"j.smith@court.local"}, "T1059.001"),
  };
}

TEST(Incidents, AnIntrusionAcrossHostsIsOneEspionageIncident) {
  const std::vector<IncidentDetection> detections = intrusion();
  // Without the logon the two machines' detections stay apart: 19 hours apart,
  // different accounts.
  const std::vector<LogonLink> logons = {
      logon(19.5, "fs01.court.local", "WS-0412", "adm.weber@court.local"),
      // A logon whose target has no detection after it links nothing.
      logon(2.0, "dc01.court.local", "WS-0412", "m.keller@court.local")};
  const auto incidents = build_incidents(detections, logons, {});
  ASSERT_EQ(incidents.size(), 2u);
  const IncidentGroup& intrusion = incidents[0];
  EXPECT_EQ(intrusion.detections, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(intrusion.hosts, (std::vector<std::string>{"fs01.court.local", "ws-0412.court.local"}));
  EXPECT_EQ(intrusion.accounts,
            (std::vector<std::string>{"adm.weber@court.local", "m.keller@court.local"}));
  EXPECT_EQ(intrusion.classification, IncidentClass::kEspionage);
  EXPECT_GE(intrusion.confidence, 0.8);
  ASSERT_FALSE(intrusion.reasons.empty());
  EXPECT_NE(intrusion.reasons[0].find("lateral movement"), std::string::npos) << intrusion.reasons[0];
  EXPECT_EQ(incidents[1].classification, IncidentClass::kCommodity);
  EXPECT_EQ(incidents[1].hosts, (std::vector<std::string>{"ws-0007.court.local"}));

  const auto apart = build_incidents(detections, {}, {});
  EXPECT_EQ(apart.size(), 3u);
}

TEST(Incidents, AddressesStandForTheirMachines) {
  const std::vector<IncidentDetection> detections = intrusion();
  LogonLink by_address = logon(19.5, "fs01.court.local", "", "");
  by_address.from_address = "10.20.4.12";
  const std::vector<HostAddress> addresses = {{"10.20.4.12", "ws-0412.court.local"}};
  const auto incidents = build_incidents(detections, std::vector<LogonLink>{by_address}, addresses);
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[0].hosts.size(), 2u);
}

TEST(Incidents, InputOrderDoesNotMatter) {
  std::vector<IncidentDetection> detections = intrusion();
  const std::vector<LogonLink> logons = {logon(19.5, "fs01.court.local", "ws-0412", "")};
  const auto a = build_incidents(detections, logons, {});
  std::reverse(detections.begin(), detections.end());
  const auto b = build_incidents(detections, logons, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].detections, b[i].detections);
    EXPECT_EQ(a[i].reasons, b[i].reasons);
  }
}

TEST(Incidents, AttemptsStayOut) {
  std::vector<IncidentDetection> detections = {
      detection(1, 0, "web01", {}, "T1110.001"), detection(2, 0.2, "web01", {}, "T1110.001")};
  for (auto& d : detections) d.attempt_only = true;
  EXPECT_TRUE(build_incidents(detections, {}, {}).empty());
}

TEST(Incidents, ImpactIsDisruption) {
  const std::vector<IncidentDetection> detections = {
      detection(1, 0, "fs01", {"x@court.local"}, "T1059.001"),
      detection(2, 0.5, "fs01", {"x@court.local"}, "T1490"),
      detection(3, 0.7, "fs01", {"x@court.local"}, "T1486")};
  const auto incidents = build_incidents(detections, {}, {});
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].classification, IncidentClass::kDisruption);
}

TEST(Incidents, ShortHostNames) {
  EXPECT_EQ(short_host_name("WS-0412.court.local"), "ws-0412");
  EXPECT_EQ(short_host_name("FS01"), "fs01");
}

}  // namespace
}  // namespace vigil::correlate
