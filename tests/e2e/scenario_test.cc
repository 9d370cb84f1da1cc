// `vigil demo`: the same seed gives the same bytes (any thread count), another
// seed other bytes; ground_truth.json agrees with the files: every intrusion
// step is found by the built-in rule it names on the host it names, the
// trainee's reads are in the logs, the attempts recounted from the files with
// docs/investigate.md's definitions (re-implemented here, independently of
// the generator) equal the ground truth's; inventory.yaml loads.

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hunt_support.h"
#include "vigil/assess/inventory.h"

namespace vigil::hunt_test {
namespace {

using Json = nlohmann::json;

std::vector<Json> json_lines(const std::string& text) {
  std::vector<Json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::vector<std::string> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = read_file(e.path());
  }
  return files;
}

// The demo of seed 1 in a folder of the test's own: ctest runs each test in
// its own process, maybe at the same time as the others.
fs::path demo(const std::string& test) {
  const fs::path dir = work_dir("scenario-" + test);
  const RunResult r = vigil(dir, "demo --seed 1 --out out");
  EXPECT_EQ(r.code, 0) << r.err;
  return dir / "out";
}

// Seconds since the epoch of an RFC 3339 UTC time (fractions dropped).
int64_t seconds_of(const std::string& text) {
  struct tm tm {};
  strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return static_cast<int64_t>(timegm(&tm));
}

TEST(ScenarioDemo, SameSeedSameBytesWhateverTheThreads) {
  const fs::path dir = work_dir("scenario-determinism");
  ASSERT_EQ(vigil(dir, "demo --seed 5 -t 1 --out a").code, 0);
  ASSERT_EQ(vigil(dir, "demo --seed 5 -t 3 --out b").code, 0);
  ASSERT_EQ(vigil(dir, "demo --seed 6 -t 2 --out c").code, 0);
  const auto a = tree(dir / "a"), b = tree(dir / "b"), c = tree(dir / "c");
  ASSERT_GE(a.size(), 140u);
  EXPECT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.contains(name)) << name;
    EXPECT_TRUE(b.at(name) == bytes) << name << " differs between two runs of seed 5";
  }
  size_t differing = 0;
  for (const auto& [name, bytes] : a) differing += c.contains(name) && c.at(name) != bytes ? 1 : 0;
  EXPECT_GT(differing, a.size() / 2) << "seeds 5 and 6 give mostly the same files";
  EXPECT_NE(a.at("ground_truth.json"), c.at("ground_truth.json"));
  fs::remove_all(dir);
}

TEST(ScenarioDemo, EveryIntrusionStepIsDetectedOnItsHost) {
  const fs::path out = demo("steps");
  const Json truth = Json::parse(read_file(out / "ground_truth.json"));
  const RunResult run = vigil(out, "hunt windows linux web proxy zeek app -f jsonl -q");
  ASSERT_EQ(run.code, 0) << run.err;
  // (rule title, host) -> times of its detections and alerts
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> fired;
  std::map<std::string, std::set<std::string>> tags_by_host;
  for (const Json& d : json_lines(run.out)) {
    const std::string host = d["computer"];
    fired[{d["rule_title"], host}].push_back(seconds_of(d["timestamp"]));
    for (const Json& tag : d["tags"]) tags_by_host[host].insert(tag.get<std::string>());
  }
  ASSERT_EQ(truth["incidents"].size(), 1u);
  const Json& incident = truth["incidents"][0];
  EXPECT_EQ(incident["classification"], "espionage");
  std::set<std::string> hosts;
  for (const Json& h : incident["hosts"]) hosts.insert(h);
  EXPECT_EQ(hosts,
            (std::set<std::string>{"DC01.court.local", "FS01.court.local", "WS-0412.court.local"}));
  for (const Json& step : incident["steps"]) {
    // At the step's time (a correlation alerts when its condition is met, a few minutes on).
    const int64_t at = seconds_of(step["time"]);
    bool found = false;
    for (int64_t t : fired[{step["rule"], step["host"]}])
      found = found || (t >= at && t <= at + 600);
    EXPECT_TRUE(found) << "step \"" << step["what"] << "\": rule \"" << step["rule"]
                       << "\" does not fire on " << step["host"] << " at " << step["time"];
    EXPECT_TRUE(hosts.contains(step["host"]));
  }
  // Every technique of the incident is a tag of a rule that fired on its hosts.
  for (const Json& t : incident["techniques"]) {
    std::string tag = "attack." + t.get<std::string>();
    for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool seen = false;
    for (const std::string& h : hosts) seen = seen || tags_by_host[h].contains(tag);
    EXPECT_TRUE(seen) << tag << " is not a tag of any detection on the incident's hosts";
  }
  // The trainee's reading has no attack technique: no detection names her.
  EXPECT_EQ(run.out.find("t.novak"), std::string::npos);
  if (!::testing::Test::HasFailure()) fs::remove_all(out.parent_path());  // 66 MB
}

TEST(ScenarioDemo, TraineeReadsAreInTheLogs) {
  const fs::path out = demo("trainee");
  const Json truth = Json::parse(read_file(out / "ground_truth.json"));
  ASSERT_EQ(truth["out_of_role_readers"].size(), 1u);
  const Json& reader = truth["out_of_role_readers"][0];
  EXPECT_EQ(reader["account"], "t.novak@court.local");
  std::set<std::string> read;  // assets, from the application's trail and FS01's share log
  for (const std::string& line : lines_of(out / "app/cms-audit.jsonl")) {
    const Json e = Json::parse(line);
    if (e["actor"] != "t.novak" || e["action"] != "read") continue;
    const std::string object = e["object"];  // /cases/2024-017/witnesses/...
    const size_t a = object.find('/', 7), b = object.find('/', a + 1);
    read.insert("case-" + object.substr(7, a - 7) + "-" + object.substr(a + 1, b - a - 1));
  }
  const fs::path rule = out.parent_path() / "share_reads.yml";
  write_file(
      rule,
      "title: t\nid: 6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f\nstatus: test\nlogsource:\n"
      "  product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 5145\n"
      "    SubjectUserName: t.novak\n  condition: selection\nlevel: low\n");
  const RunResult run = vigil(out, "hunt windows/FS01 -r " + quote(rule.string()) + " -f jsonl -q");
  ASSERT_EQ(run.code, 0) << run.err;
  size_t share_reads = 0;
  for (const Json& d : json_lines(run.out)) {
    const std::string rel = d["fields"]["RelativeTargetName"];  // 2024-017\witnesses\...
    const size_t a = rel.find('\\'), b = rel.find('\\', a + 1);
    read.insert("case-" + rel.substr(0, a) + "-" + rel.substr(a + 1, b - a - 1));
    ++share_reads;
  }
  EXPECT_GT(share_reads, 0u);
  for (const Json& asset : reader["assets"]) {
    EXPECT_TRUE(read.contains(asset))
        << asset << " is in the ground truth but t.novak never read it";
  }
  if (!::testing::Test::HasFailure()) fs::remove_all(out.parent_path());  // 66 MB
}

// --- Attempts, recounted from the files ----------------------------------------------

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

bool exploit(const std::string& uri, const std::string& agent) {
  for (const std::string& text : {lower(uri), lower(percent_decode(uri)), lower(agent)}) {
    for (const char* p : {"../", "..\\", "%2e%2e", "/etc/passwd", "union select", "' or '1'='1",
                          "sleep(", "${jndi:", ";wget ", ";curl ", "|sh", "<script"}) {
      if (text.find(p) != std::string::npos) return true;
    }
  }
  return false;
}

bool scanner(const std::string& agent) {
  const std::string a = lower(agent);
  for (const char* n : {"nikto", "sqlmap", "nmap", "masscan", "zgrab", "gobuster", "dirbuster",
                        "wpscan", "nuclei", "acunetix", "nessus"}) {
    if (a.find(n) != std::string::npos) return true;
  }
  return false;
}

std::string month_number(const std::string& m) {
  static const std::vector<std::string> names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static const std::vector<std::string> numbers = {"01", "02", "03", "04", "05", "06",
                                                   "07", "08", "09", "10", "11", "12"};
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == m) return numbers[i];
  }
  return "??";
}

std::string unix_date(double seconds) {
  const time_t t = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

TEST(ScenarioDemo, AttemptsRecountedFromTheFilesMatchTheGroundTruth) {
  const fs::path out = demo("attempts");
  std::map<std::pair<std::string, std::string>, uint64_t> counted;  // (date, category)

  // Web requests.
  struct Request {
    std::string date, minute, source, uri, agent;
    int status;
  };
  std::vector<Request> requests;
  for (const std::string& line : lines_of(out / "web/access.log")) {
    Request r;
    r.source = line.substr(0, line.find(' '));
    const size_t open = line.find('[');
    const std::string t = line.substr(open + 1, 20);  // 01/Oct/2026:08:00:05
    r.date = t.substr(7, 4) + "-" + month_number(t.substr(3, 3)) + "-" + t.substr(0, 2);
    r.minute = r.date + t.substr(11, 6);
    const size_t q1 = line.find('"');
    const size_t q2 = line.find("\" ", q1 + 1);
    const std::string request = line.substr(q1 + 1, q2 - q1 - 1);
    const size_t s1 = request.find(' ');
    r.uri = request.substr(s1 + 1, request.rfind(' ') - s1 - 1);
    r.status = std::stoi(line.substr(q2 + 2, 3));
    const size_t ua = line.rfind("\" \"");
    r.agent = line.substr(ua + 3, line.size() - ua - 4);
    requests.push_back(std::move(r));
  }
  ASSERT_GT(requests.size(), 10000u);
  std::map<std::pair<std::string, std::string>, int> per_minute, not_found;
  for (const Request& r : requests) {
    ++per_minute[{r.source, r.minute}];
    if (r.status == 404) ++not_found[{r.source, r.date}];
  }
  for (const Request& r : requests) {
    if (exploit(r.uri, r.agent)) {
      ++counted[{r.date, "exploitation"}];
    } else if (per_minute[{r.source, r.minute}] >= 300) {
      ++counted[{r.date, "denial_of_service"}];
    } else if (scanner(r.agent) || (r.status == 404 && not_found[{r.source, r.date}] >= 20)) {
      ++counted[{r.date, "scanning"}];
    }
  }

  // Zeek: failed connections of sources that failed to 20 ports or 20 hosts that day.
  std::map<std::pair<std::string, std::string>,
           std::pair<std::set<std::string>, std::set<std::string>>>
      failed;
  std::vector<std::pair<std::string, std::string>> failures;  // (date, source)
  const std::set<std::string> failed_states = {"S0", "REJ", "RSTO", "RSTOS0", "RSTR", "SH", "OTH"};
  for (const std::string& line : lines_of(out / "zeek/conn.log")) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream in(line);
    std::string col;
    while (std::getline(in, col, '\t')) f.push_back(col);
    ASSERT_GE(f.size(), 12u);
    if (!failed_states.contains(f[11])) continue;
    const std::string date = unix_date(std::stod(f[0]));
    failed[{date, f[2]}].first.insert(f[5]);
    failed[{date, f[2]}].second.insert(f[4]);
    failures.emplace_back(date, f[2]);
  }
  for (const auto& key : failures) {
    const auto& f = failed[key];
    if (f.first.size() >= 20 || f.second.size() >= 20) ++counted[{key.first, "scanning"}];
  }

  // Failed authentications: sshd's "Failed ... for" lines and Security 4625.
  std::map<std::pair<std::string, std::string>, std::map<std::string, uint64_t>> auth;
  for (const char* host : {"sftp01", "web01", "cms01"}) {
    for (const std::string& line : lines_of(out / "linux" / host / "auth.log")) {
      if (line.find(" sshd[") == std::string::npos) continue;
      const size_t f = line.find("]: Failed ");
      if (f == std::string::npos) continue;
      std::string rest = line.substr(line.find(" for ", f) + 5);
      if (rest.rfind("invalid user ", 0) == 0) rest = rest.substr(13);
      const std::string user = rest.substr(0, rest.find(' '));
      const size_t from = rest.find(" from ") + 6;
      const std::string ip = rest.substr(from, rest.find(' ', from) - from);
      ++auth[{line.substr(0, 10), ip}][user];
    }
  }
  const fs::path rule = out.parent_path() / "failed_logons.yml";
  write_file(
      rule,
      "title: t\nid: 7a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d\nstatus: test\nlogsource:\n"
      "  product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 4625\n"
      "  condition: selection\nlevel: low\n");
  const RunResult run = vigil(out, "hunt windows -r " + quote(rule.string()) + " -f jsonl -q");
  ASSERT_EQ(run.code, 0) << run.err;
  for (const Json& d : json_lines(run.out)) {
    const std::string date = d["timestamp"].get<std::string>().substr(0, 10);
    ++auth[{date, d["fields"]["IpAddress"]}][d["fields"]["TargetUserName"]];
  }
  for (const auto& [key, accounts] : auth) {
    uint64_t total = 0, most = 0;
    for (const auto& [account, n] : accounts) {
      total += n;
      most = std::max(most, n);
    }
    if (accounts.size() >= 10 && most <= 3) {
      counted[{key.first, "password_spraying"}] += total;
    } else if (total >= 10) {
      counted[{key.first, "brute_force"}] += total;
    }
  }

  std::map<std::pair<std::string, std::string>, uint64_t> truth;
  const Json ground_truth = Json::parse(read_file(out / "ground_truth.json"));
  for (const Json& a : ground_truth["attempts"]) {
    truth[{a["date"], a["category"]}] = a["count"];
  }
  EXPECT_EQ(truth.size(), counted.size());
  for (const auto& [key, n] : counted) {
    EXPECT_EQ(truth[key], n) << key.first << " " << key.second;
  }
  // Every category occurs; the denial of service is one day.
  std::map<std::string, int> days;
  for (const auto& [key, n] : truth) ++days[key.second];
  for (const char* c : {"brute_force", "password_spraying", "scanning", "exploitation"}) {
    EXPECT_GE(days[c], 10) << c;
  }
  EXPECT_EQ(days["denial_of_service"], 1);
  if (!::testing::Test::HasFailure()) fs::remove_all(out.parent_path());  // 66 MB
}

TEST(ScenarioDemo, InventoryLoadsAndNamesTheGroundTruth) {
  const fs::path out = demo("inventory");
  const auto inventory = assess::Inventory::load((out / "inventory.yaml").string());
  for (const auto& p : inventory.problems()) ADD_FAILURE() << p.to_string();
  ASSERT_TRUE(inventory.ok());
  const Json truth = Json::parse(read_file(out / "ground_truth.json"));
  for (const Json& s : truth["exposed_subjects"]) {
    EXPECT_NE(inventory->subject(s["subject_id"].get<std::string>()), nullptr) << s;
    for (const Json& a : s["assets"])
      EXPECT_NE(inventory->asset(a.get<std::string>()), nullptr) << a;
  }
  for (const Json& a : truth["out_of_role_readers"][0]["assets"]) {
    EXPECT_NE(inventory->asset(a.get<std::string>()), nullptr) << a;
  }
  const auto trainee = inventory->identity("COURT\\t.novak");
  (void)trainee;
  // The witness files the intruder took are found by their share path.
  const auto assets = inventory->assets_at(
      "\\\\fs01\\cases\\2024-017\\witnesses\\W-0001_photo_01.jpg", assess::LocationKind::kPath);
  const auto objects = inventory->assets_at("/cases/2024-017/witnesses/W-0001_photo_01.jpg",
                                            assess::LocationKind::kObject);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0]->id, "case-2024-017-witnesses");
  ASSERT_EQ(assets.size(), 1u);
  EXPECT_EQ(assets[0]->id, "case-2024-017-witnesses");
  if (!::testing::Test::HasFailure()) fs::remove_all(out.parent_path());  // 66 MB
}

}  // namespace
}  // namespace vigil::hunt_test
