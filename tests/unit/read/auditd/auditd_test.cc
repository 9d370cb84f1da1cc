// The auditd reader: records grouped into events, field names and decoding,
// odd lines, recognition, and the cut rule's promise that blocks cut where it
// allows parse to the same events as the whole file.

#include <string>

#include <gtest/gtest.h>

#include "auditd_support.h"
#include "vigil/read/formats.h"
#include "vigil/read/text/scan.h"

namespace vigil::read {
namespace {

using testing::allowed_cuts;
using testing::hex;
using testing::parse_auditd;
using testing::parse_auditd_blocks;
using testing::Parsed;
using testing::SeenEvent;
using testing::texts;

using namespace std::string_literals;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Arguments NUL-separated, hex-encoded: what the kernel writes for PROCTITLE.
std::string proctitle(std::initializer_list<std::string_view> args) {
  std::string raw;
  for (std::string_view a : args) {
    if (!raw.empty()) raw.push_back('\0');
    raw.append(a);
  }
  return hex(raw);
}

TEST(Auditd, SyscallEventIsOneEventWithEveryRecord) {
  const std::string text =
      "type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=59 success=yes exit=0 "
      "a0=55d0 a1=55d1 a2=55d2 a3=8 items=2 ppid=10 pid=11 auid=1000 uid=0 tty=pts0 ses=3 "
      "comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)\n"
      "type=EXECVE msg=audit(1700000000.123:42): argc=2 a0=\"cat\" a1=\"/etc/shadow\"\n"
      "type=CWD msg=audit(1700000000.123:42): cwd=\"/root\"\n"
      "type=PATH msg=audit(1700000000.123:42): item=0 name=\"/usr/bin/cat\" inode=5 "
      "nametype=NORMAL\n"
      "type=PATH msg=audit(1700000000.123:42): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" "
      "inode=6 nametype=NORMAL\n"
      "type=PROCTITLE msg=audit(1700000000.123:42): proctitle=" +
      proctitle({"cat", "/etc/shadow"}) +
      "\n"
      "type=EOE msg=audit(1700000000.123:42): \n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  EXPECT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.events.size(), 1u);
  const SeenEvent& e = parsed.events[0];
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.time.ticks, Timestamp::from_unix_seconds(1700000000, 123'000'000).ticks);
  const Fields expected = {
      {"_source_format", "auditd"},
      {"type", "SYSCALL"},
      {"arch", "c000003e"},
      {"syscall", "59"},
      {"success", "yes"},
      {"exit", "0"},
      {"a0", "55d0"},
      {"a1", "55d1"},
      {"a2", "55d2"},
      {"a3", "8"},
      {"items", "2"},
      {"ppid", "10"},
      {"pid", "11"},
      {"auid", "1000"},
      {"uid", "0"},
      {"tty", "pts0"},
      {"ses", "3"},
      {"comm", "cat"},
      {"exe", "/usr/bin/cat"},
      {"key", "(null)"},
      {"type", "EXECVE"},
      {"argc", "2"},
      {"a0", "cat"},
      {"a1", "/etc/shadow"},
      {"type", "CWD"},
      {"cwd", "/root"},
      {"type", "PATH"},
      {"item", "0"},
      {"name", "/usr/bin/cat"},
      {"inode", "5"},
      {"nametype", "NORMAL"},
      {"type", "PATH"},
      {"item", "1"},
      {"name", "/lib64/ld-linux-x86-64.so.2"},
      {"inode", "6"},
      {"nametype", "NORMAL"},
      {"type", "PROCTITLE"},
      {"proctitle", "cat /etc/shadow"},
      {"type", "EOE"},
  };
  EXPECT_EQ(e.fields, expected);
}

TEST(Auditd, HexEncodedValuesAreDecoded) {
  const std::string text =
      "type=SYSCALL msg=audit(1700000000.000:7): syscall=59 comm=" + hex("my prog") +
      " exe=" + hex("/tmp/my prog") + " key=" + hex(std::string("k1\x01k2", 5)) +
      "\n"
      "type=EXECVE msg=audit(1700000000.000:7): argc=3 a0=\"sh\" a1=" +
      hex("-c") + " a2=" + hex("echo \"hi\" there") +
      "\n"
      "type=CWD msg=audit(1700000000.000:7): cwd=" +
      hex("/home/bob/with space") +
      "\n"
      "type=PATH msg=audit(1700000000.000:7): item=0 name=" +
      hex("/tmp/a b") +
      " nametype=CREATE\n"
      "type=PROCTITLE msg=audit(1700000000.000:7): proctitle=" +
      hex(std::string("sh\0-c\0echo \"hi\" there\0", 22)) + "\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  EXPECT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.events.size(), 1u);
  const SeenEvent& e = parsed.events[0];
  EXPECT_EQ(e.one("comm"), "my prog");
  EXPECT_EQ(e.one("exe"), "/tmp/my prog");
  EXPECT_EQ(e.all("key"), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(e.all("a0"), (std::vector<std::string>{"sh"}));
  EXPECT_EQ(e.one("a1"), "-c");
  EXPECT_EQ(e.one("a2"), "echo \"hi\" there");
  EXPECT_EQ(e.one("cwd"), "/home/bob/with space");
  EXPECT_EQ(e.one("name"), "/tmp/a b");
  EXPECT_EQ(e.one("proctitle"), "sh -c echo \"hi\" there");
}

TEST(Auditd, NumbersThatLookHexAreKept) {
  // SYSCALL's a0..a3 and arch are hexadecimal numbers, not encoded text.
  const std::string text =
      "type=SYSCALL msg=audit(1700000000.000:8): arch=c000003e syscall=135 a0=40000 a1=ab "
      "exit=0\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].one("arch"), "c000003e");
  EXPECT_EQ(parsed.events[0].one("a0"), "40000");
  EXPECT_EQ(parsed.events[0].one("a1"), "ab");
}

TEST(Auditd, LongArgumentsAreJoined) {
  std::string part1 = "A";
  part1.append(30, 'x').append(" ");
  const std::string part2 = std::string(20, 'y');
  const std::string text =
      "type=SYSCALL msg=audit(1700000000.000:9): syscall=59 exe=\"/usr/bin/echo\"\n"
      "type=EXECVE msg=audit(1700000000.000:9): argc=3 a0=\"echo\" a1_len=52 a1[0]=" +
      hex(part1) +
      "\n"
      "type=EXECVE msg=audit(1700000000.000:9): a1[1]=\"" +
      part2 +
      "\" a2=\"end\"\n"
      "type=EOE msg=audit(1700000000.000:9): \n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), 1u);
  const SeenEvent& e = parsed.events[0];
  EXPECT_EQ(e.one("a1"), part1 + part2);
  EXPECT_EQ(e.one("a1_len"), "52");
  EXPECT_EQ(e.one("a2"), "end");
  EXPECT_EQ(e.all("type"), (std::vector<std::string>{"SYSCALL", "EXECVE", "EXECVE", "EOE"}));
}

TEST(Auditd, UserMessagesAreFlattened) {
  const std::string text =
      "type=USER_LOGIN msg=audit(1642761574.840:683): pid=14362 uid=0 auid=1002 ses=100 "
      "msg='op=login id=1002 exe=\"/usr/sbin/sshd\" hostname=2001:db8::7 addr=2001:db8::7 "
      "terminal=/dev/pts/0 res=success'\n"
      "type=USER_CMD msg=audit(1642999086.239:2230): pid=27966 uid=1002 auid=4294967295 "
      "ses=4294967295 msg='cwd=\"/var/www/up loads\" cmd=636174202F6574632F736861646F77 "
      "terminal=pts/1 res=success'\n"
      "type=USER_AUTH msg=audit(1642999060.603:2226): pid=27950 uid=33 msg='op=PAM:authentication "
      "acct=" +
      hex("jörg müller") +
      " exe=\"/bin/su\" hostname=? addr=? terminal=/dev/pts/1 "
      "res=failed'\n"
      "type=USER msg=audit(1642999060.700:2227): pid=1 uid=0 msg='just some text'\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  EXPECT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.events.size(), 4u);
  const Fields login = {
      {"_source_format", "auditd"},
      {"type", "USER_LOGIN"},
      {"pid", "14362"},
      {"uid", "0"},
      {"auid", "1002"},
      {"ses", "100"},
      {"op", "login"},
      {"id", "1002"},
      {"exe", "/usr/sbin/sshd"},
      {"hostname", "2001:db8::7"},
      {"addr", "2001:db8::7"},
      {"terminal", "/dev/pts/0"},
      {"res", "success"},
  };
  EXPECT_EQ(parsed.events[0].fields, login);
  EXPECT_EQ(parsed.events[1].one("cmd"), "cat /etc/shadow");
  EXPECT_EQ(parsed.events[1].one("cwd"), "/var/www/up loads");
  EXPECT_EQ(parsed.events[2].one("acct"), "jörg müller");
  EXPECT_EQ(parsed.events[2].one("res"), "failed");
  EXPECT_EQ(parsed.events[3].one("msg"), "just some text");
  EXPECT_EQ(parsed.events[3].one("type"), "USER");
}

TEST(Auditd, EnrichedFormatAndNode) {
  const std::string text =
      "node=web01 type=SYSCALL msg=audit(1700000000.500:77): arch=c000003e syscall=319 "
      "success=yes exit=3 a0=7f a1=0 items=0 pid=12 uid=0 comm=\"ecasound\" "
      "exe=\"/usr/bin/ecasound\" key=(null)\x1d"
      "ARCH=x86_64 SYSCALL=memfd_create AUID=\"unset\" UID=\"root\" GID=\"root\"\n"
      "node=web01 type=SOCKADDR msg=audit(1700000000.500:77): saddr=02000035C0A80001"
      "0000000000000000\x1dSADDR={ saddr_fam=inet laddr=192.168.0.1 lport=53 }\n"
      "node=web01 type=PROCTITLE msg=audit(1700000000.500:77): proctitle=\"ecasound\"\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  EXPECT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.events.size(), 1u);
  const SeenEvent& e = parsed.events[0];
  EXPECT_EQ(e.fields[1], (std::pair<std::string, std::string>{"Computer", "web01"}));
  EXPECT_EQ(e.one("Computer"), "web01");
  EXPECT_EQ(e.one("SYSCALL"), "memfd_create");
  EXPECT_EQ(e.one("UID"), "root");
  EXPECT_EQ(e.one("AUID"), "unset");
  EXPECT_EQ(e.one("ARCH"), "x86_64");
  EXPECT_EQ(e.one("syscall"), "319");
  EXPECT_EQ(e.one("saddr"), "02000035C0A800010000000000000000");
  EXPECT_EQ(e.one("saddr_fam"), "inet");
  EXPECT_EQ(e.one("laddr"), "192.168.0.1");
  EXPECT_EQ(e.one("lport"), "53");
  EXPECT_EQ(e.one("SADDR"), "{ saddr_fam=inet laddr=192.168.0.1 lport=53 }");
  EXPECT_EQ(e.one("proctitle"), "ecasound");
}

TEST(Auditd, SocketAddresses) {
  std::string inet6 = std::string("\x0a\x00\x01\xbb", 4) + std::string(4, '\0');
  inet6 += std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + "\x01";
  inet6 += std::string(4, '\0');
  const std::string text =
      "type=SOCKADDR msg=audit(1700000000.000:1): saddr=" + hex(inet6) +
      "\n"
      "type=SOCKADDR msg=audit(1700000000.000:2): saddr=" +
      hex(std::string("\x01\x00/run/nscd/socket\0\0\0", 21)) +
      "\n"
      "type=SOCKADDR msg=audit(1700000000.000:3): saddr=" +
      hex(std::string("\x01\x00\0abstract", 11)) +
      "\n"
      "type=SOCKADDR msg=audit(1700000000.000:4): saddr=100000000000000000000000\n"
      "type=SOCKADDR msg=audit(1700000000.000:5): saddr=0200\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  EXPECT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.events.size(), 5u);
  EXPECT_EQ(parsed.events[0].one("saddr_fam"), "inet6");
  EXPECT_EQ(parsed.events[0].one("laddr"), "2001:db8::1");
  EXPECT_EQ(parsed.events[0].one("lport"), "443");
  EXPECT_EQ(parsed.events[1].one("saddr_fam"), "local");
  EXPECT_EQ(parsed.events[1].one("path"), "/run/nscd/socket");
  EXPECT_EQ(parsed.events[2].one("path"), "@abstract");
  EXPECT_EQ(parsed.events[3].one("saddr_fam"), "netlink");
  // Too short for an IPv4 address: only the raw value.
  EXPECT_EQ(parsed.events[4].one("saddr"), "0200");
  EXPECT_EQ(parsed.events[4].one("saddr_fam"), "<absent>");
}

TEST(Auditd, SelinuxAvcVerdict) {
  const std::string text =
      "type=AVC msg=audit(1700000000.000:3): avc:  denied  { read write } for  pid=2 "
      "comm=\"httpd\" name=\"shadow\" dev=\"sda1\" ino=5 scontext=system_u:system_r:httpd_t:s0 "
      "tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0\n"
      "type=SYSCALL msg=audit(1700000000.000:3): syscall=2 success=no exit=-13 comm=\"httpd\"\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), 1u);
  const SeenEvent& e = parsed.events[0];
  EXPECT_EQ(e.one("seresult"), "denied");
  EXPECT_EQ(e.one("seperms"), "read write");
  EXPECT_EQ(e.one("tclass"), "file");
  EXPECT_EQ(e.one("scontext"), "system_u:system_r:httpd_t:s0");
  EXPECT_EQ(e.all("comm"), (std::vector<std::string>{"httpd", "httpd"}));
}

TEST(Auditd, InterleavedRecordsStillGroup) {
  // A user-space message arrives between the records of a system call.
  const std::string text =
      "type=SYSCALL msg=audit(1.000:10): syscall=59 exe=\"/bin/ls\"\n"
      "type=USER_ACCT msg=audit(1.001:11): pid=5 msg='op=PAM:accounting res=success'\n"
      "type=EXECVE msg=audit(1.000:10): argc=1 a0=\"ls\"\n"
      "type=SYSCALL msg=audit(1.002:12): syscall=2 exe=\"/bin/cat\"\n"
      "type=PROCTITLE msg=audit(1.000:10): proctitle=6C73\n"
      "type=EOE msg=audit(1.000:10): \n"
      "type=PATH msg=audit(1.002:12): item=0 name=\"/etc/hosts\"\n"
      "type=EOE msg=audit(1.002:12): \n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  EXPECT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.events.size(), 3u);
  // In the order of their first lines.
  EXPECT_EQ(parsed.events[0].line, 1u);
  EXPECT_EQ(parsed.events[0].all("type"),
            (std::vector<std::string>{"SYSCALL", "EXECVE", "PROCTITLE", "EOE"}));
  EXPECT_EQ(parsed.events[1].line, 2u);
  EXPECT_EQ(parsed.events[1].all("type"), (std::vector<std::string>{"USER_ACCT"}));
  EXPECT_EQ(parsed.events[2].line, 4u);
  EXPECT_EQ(parsed.events[2].offset, text.find("type=SYSCALL msg=audit(1.002:12)"));
  EXPECT_EQ(parsed.events[2].all("type"), (std::vector<std::string>{"SYSCALL", "PATH", "EOE"}));
}

TEST(Auditd, SameSerialOnAnotherNodeOrTimeIsAnotherEvent) {
  const std::string text =
      "node=a type=SYSCALL msg=audit(1.000:10): syscall=1\n"
      "node=b type=SYSCALL msg=audit(1.000:10): syscall=2\n"
      "type=SYSCALL msg=audit(2.000:10): syscall=3\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), 3u);
  EXPECT_EQ(parsed.events[0].one("Computer"), "a");
  EXPECT_EQ(parsed.events[1].one("Computer"), "b");
  EXPECT_EQ(parsed.events[2].one("Computer"), "<absent>");
}

TEST(Auditd, OpenEventsAreBounded) {
  // Records that never say their event ended (no PROCTITLE, no EOE): the
  // oldest event closes when one more than limits::kAuditdMaxOpenEvents
  // would be open, so a straggler after that starts an event of its own.
  std::string text;
  const size_t n = limits::kAuditdMaxOpenEvents;
  for (size_t i = 0; i <= n; ++i) {
    text += "type=SYSCALL msg=audit(5.000:" + std::to_string(100 + i) + "): syscall=2\n";
  }
  text += "type=PATH msg=audit(5.000:" + std::to_string(100 + n) + "): name=\"/in-time\"\n";
  text += "type=PATH msg=audit(5.000:100): item=0 name=\"/late\"\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), n + 2);
  EXPECT_EQ(parsed.events[0].line, 1u);
  EXPECT_EQ(parsed.events[0].all("type"), (std::vector<std::string>{"SYSCALL"}));
  EXPECT_EQ(parsed.events[n].line, n + 1);
  EXPECT_EQ(parsed.events[n].one("name"), "/in-time");
  EXPECT_EQ(parsed.events.back().one("name"), "/late");
  EXPECT_EQ(parsed.events.back().line, n + 3);
}

TEST(Auditd, OddLines) {
  const std::string long_value(200'000, 'z');
  const std::string text =
      "type=USER_END msg=audit(1.000:1): pid=1 msg='op=x acct=\"ok\" res=success'\r\n"  // CRLF
      "\n"                                                                              // blank
      "this is not an audit record\n"
      "type=SYSCALL msg=audit(99999999999999.000:2): syscall=1\n"  // year > 9999
      "type=SYSCALL msg=audit(1.000:3) syscall=1\n"                // no colon after )
      "type=USER_LOGIN msg=audit(1.000:4): msg='acct=\"\xff\xfe\" res=failed'\n"
      "\x01\x02\x7f\x80 binary \x00 garbage\n"s
      "type=PATH msg=audit(1.000:5): name=\"/tmp/" +
      long_value +
      "\" nametype=CREATE\n"
      "type=CWD msg=audit(1.000:6): cwd=\"/unterminated\n"
      "type=EXECVE msg=audit(1.000:7): argc=2 a0=\"x\" a1=(null) a2=ABC a3=zz =v k= novalue\n"
      "type=DAEMON_END msg=audit(1.000:8):";
  FieldNames names;
  const Parsed parsed = parse_auditd(std::string_view(text.data(), text.size()), names);
  ASSERT_EQ(parsed.events.size(), 6u);
  EXPECT_EQ(parsed.events[0].one("res"), "success");
  EXPECT_EQ(parsed.events[0].one("acct"), "ok");
  EXPECT_EQ(parsed.events[1].line, 6u);
  EXPECT_EQ(parsed.events[1].one("acct"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(parsed.events[2].one("name"), "/tmp/" + long_value);
  EXPECT_EQ(parsed.events[3].one("cwd"), "/unterminated");
  const SeenEvent& odd = parsed.events[4];
  EXPECT_EQ(odd.one("a1"), "(null)");
  EXPECT_EQ(odd.one("a2"), "ABC");  // odd length: not hex
  EXPECT_EQ(odd.one("a3"), "zz");
  EXPECT_EQ(odd.one("k"), "");
  EXPECT_EQ(parsed.events[5].all("type"), (std::vector<std::string>{"DAEMON_END"}));
  EXPECT_EQ(parsed.events[5].fields.size(), 2u);
  ASSERT_EQ(parsed.issues.size(), 5u);
  EXPECT_EQ(parsed.issues[0].line, 3u);
  EXPECT_NE(parsed.issues[0].reason.find("not an auditd record"), std::string::npos);
  EXPECT_EQ(parsed.issues[1].line, 4u);
  EXPECT_NE(parsed.issues[1].reason.find("9999"), std::string::npos);
  EXPECT_EQ(parsed.issues[2].line, 5u);
  EXPECT_EQ(parsed.issues[3].line, 6u);
  EXPECT_NE(parsed.issues[3].reason.find("UTF-8"), std::string::npos);
  EXPECT_EQ(parsed.issues[4].line, 7u);
}

TEST(Auditd, LinesWithoutEndOfEventCloseAtTheEndOfTheBlock) {
  const std::string text =
      "type=SYSCALL msg=audit(1.000:1): syscall=1\n"
      "type=PATH msg=audit(1.000:1): name=\"/a\"";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].one("name"), "/a");
}

TEST(Auditd, TooManyFieldsAreDroppedAndReported) {
  std::string text = "type=EXECVE msg=audit(1.000:1): argc=5000";
  for (int i = 0; i < 5000; ++i) text += " a" + std::to_string(i) + "=\"x\"";
  text += "\n";
  FieldNames names;
  const Parsed parsed = parse_auditd(text, names);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].fields.size(), limits::kTextMaxFieldsPerEvent);
  ASSERT_EQ(parsed.issues.size(), 1u);
  EXPECT_NE(parsed.issues[0].reason.find("fields"), std::string::npos);
}

TEST(Auditd, Recognition) {
  const Format& f = auditd_format();
  EXPECT_EQ(f.name(), "auditd");
  EXPECT_EQ(f.sniff("type=DAEMON_START msg=audit(1.000:1): op=start ver=3.0\n"
                    "type=CONFIG_CHANGE msg=audit(1.000:2): op=set res=1\n",
                    "audit.log"),
            95);
  EXPECT_EQ(f.sniff("node=h type=EOE msg=audit(1.000:1): \n", "x"), 95);
  EXPECT_EQ(f.sniff("", "audit.log"), 0);
  EXPECT_EQ(f.sniff("Jan  1 00:00:00 host sshd[1]: Accepted password\n", "auth.log"), 0);
  EXPECT_EQ(f.sniff("{\"type\":\"SYSCALL\",\"msg\":\"audit(1.0:1)\"}\n", "x.json"), 0);
  // Syslog lines carrying audit records are syslog's.
  EXPECT_EQ(f.sniff("Jan  1 00:00:00 host audispd: type=SYSCALL msg=audit(1.000:1): a=1\n", "x"),
            0);
  EXPECT_EQ(recognise(formats(), "type=SYSCALL msg=audit(1.000:1): syscall=1\n", "a.log"), &f);
}

// Blocks cut wherever the rule allows, each parsed alone, give the events of
// the whole text: same events, same order, same lines and offsets.
void expect_cuts_keep_events(const std::string& text, size_t expected_cuts_at_least) {
  FieldNames names;
  const Parsed whole = parse_auditd(text, names);
  const auto cuts = allowed_cuts(text);
  EXPECT_GE(cuts.size(), expected_cuts_at_least);
  const Parsed every = parse_auditd_blocks(text, cuts, names);
  EXPECT_EQ(texts(every), texts(whole));
  for (const auto& cut : cuts) {
    const Parsed two = parse_auditd_blocks(text, {cut}, names);
    EXPECT_EQ(texts(two), texts(whole)) << "cut before line " << cut.second;
  }
}

TEST(AuditdCutRule, NoCutInsideAnEvent) {
  const std::string text =
      "type=SYSCALL msg=audit(1.000:10): syscall=59 exe=\"/bin/ls\"\n"
      "type=USER_ACCT msg=audit(1.001:11): pid=5 msg='op=PAM:accounting res=success'\n"
      "type=EXECVE msg=audit(1.000:10): argc=1 a0=\"ls\"\n"
      "type=PROCTITLE msg=audit(1.000:10): proctitle=6C73\n"
      "type=EOE msg=audit(1.000:10): \n"
      "type=USER_END msg=audit(1.003:13): pid=5 msg='op=x res=success'\n"
      "type=SERVICE_START msg=audit(1.004:14): pid=1 msg='unit=x res=success'\n";
  const auto cuts = allowed_cuts(text);
  std::vector<uint64_t> lines;
  for (const auto& c : cuts) lines.push_back(c.second);
  // Not before 2..5 (event 10 is open and not finished, or the line is its).
  EXPECT_EQ(lines, (std::vector<uint64_t>{6, 7}));
  expect_cuts_keep_events(text, 2);
}

TEST(AuditdCutRule, BlocksParseLikeTheWholeFile) {
  std::string text;
  // A mix: syscall events with and without EOE, interleaving, garbage, long
  // runs without an end of event, several nodes.
  for (int i = 0; i < 60; ++i) {
    const std::string t = "audit(100." + std::to_string(100 + i) + ":" + std::to_string(i) + "): ";
    const std::string node = i % 7 == 0 ? "node=n" + std::to_string(i % 2) + " " : "";
    text += node + "type=SYSCALL msg=" + t + "syscall=59 exe=\"/bin/x\"\n";
    if (i % 5 == 0)
      text += "type=USER_ACCT msg=audit(100.0:" + std::to_string(1000 + i) + "): res=1\n";
    if (i % 11 == 0) text += "junk line\n";
    text += node + "type=EXECVE msg=" + t + "argc=1 a0=\"x\"\n";
    if (i % 13 != 0) text += node + "type=PROCTITLE msg=" + t + "proctitle=78\n";
    if (i % 4 == 0) text += node + "type=EOE msg=" + t + "\n";
  }
  expect_cuts_keep_events(text, 10);
}

TEST(AuditdCutRule, ForcedBoundaryBoundsBlocks) {
  // One serial repeated without end: the rule still lets blocks end.
  std::string text;
  const std::string line =
      "type=PATH msg=audit(1.000:1): name=\"/" + std::string(200, 'p') + "\"\n";
  while (text.size() < 3 * limits::kAuditdForcedBoundaryBytes) text += line;
  const auto cuts = allowed_cuts(text);
  ASSERT_FALSE(cuts.empty());
  EXPECT_LE(cuts.front().first, 2 * limits::kAuditdForcedBoundaryBytes + line.size());
  FieldNames names;
  const Parsed whole = parse_auditd(text, names);
  EXPECT_EQ(whole.events.size(), cuts.size() + 1);
  EXPECT_EQ(texts(parse_auditd_blocks(text, cuts, names)), texts(whole));
}

}  // namespace
}  // namespace vigil::read
