// Fields from the messages of sshd, PAM, sudo, su, pkexec, the account tools
// and cron: exact names and values, the odd shapes included. These names are
// what the investigation stage counts brute force and spraying with.

#include <string>

#include "syslog_support.h"

namespace vigil::read {
namespace {

using testing::extracted;
using testing::Fields;
using testing::get;
using testing::one_event;

// The extracted fields of `program[1]: message`.
Fields of(const std::string& program, const std::string& message) {
  return extracted(one_event("May  1 10:00:00 h " + program + "[1]: " + message));
}

TEST(SyslogSshd, AcceptedAndFailed) {
  EXPECT_EQ(of("sshd", "Accepted password for alice from 10.0.0.5 port 52000 ssh2"),
            (Fields{{"action", "login"},
                    {"outcome", "success"},
                    {"auth_method", "password"},
                    {"user", "alice"},
                    {"src_ip", "10.0.0.5"},
                    {"src_port", "52000"}}));
  EXPECT_EQ(of("sshd", "Accepted publickey for deploy from 198.51.100.20 port 40022 ssh2: "
                       "ED25519 SHA256:Vm1aM2ZHSmxj"),
            (Fields{{"action", "login"},
                    {"outcome", "success"},
                    {"auth_method", "publickey"},
                    {"user", "deploy"},
                    {"src_ip", "198.51.100.20"},
                    {"src_port", "40022"},
                    {"ssh_key_type", "ED25519"},
                    {"ssh_key_fingerprint", "SHA256:Vm1aM2ZHSmxj"}}));
  EXPECT_EQ(of("sshd", "Failed password for invalid user oracle from 203.0.113.7 port 50122 ssh2"),
            (Fields{{"action", "login"},
                    {"outcome", "failure"},
                    {"auth_method", "password"},
                    {"invalid_user", "true"},
                    {"user", "oracle"},
                    {"src_ip", "203.0.113.7"},
                    {"src_port", "50122"}}));
  EXPECT_EQ(of("sshd", "Failed none for invalid user admin from 2001:db8::7 port 3 ssh2"),
            (Fields{{"action", "login"},
                    {"outcome", "failure"},
                    {"auth_method", "none"},
                    {"invalid_user", "true"},
                    {"user", "admin"},
                    {"src_ip", "2001:db8::7"},
                    {"src_port", "3"}}));
  EXPECT_EQ(of("sshd-session", "Failed keyboard-interactive/pam for root from ::ffff:10.1.2.3 "
                               "port 61000 ssh2"),
            (Fields{{"action", "login"},
                    {"outcome", "failure"},
                    {"auth_method", "keyboard-interactive/pam"},
                    {"user", "root"},
                    {"src_ip", "::ffff:10.1.2.3"},
                    {"src_port", "61000"}}));
  // With UseDNS the client is a name.
  EXPECT_EQ(of("sshd", "Failed password for bob from host.example.org port 1 ssh2"),
            (Fields{{"action", "login"},
                    {"outcome", "failure"},
                    {"auth_method", "password"},
                    {"user", "bob"},
                    {"src_host", "host.example.org"},
                    {"src_port", "1"}}));
  // Partial and postponed steps of multi-factor logins are not attempts.
  EXPECT_EQ(of("sshd", "Postponed keyboard-interactive for bob from 10.0.0.1 port 22 ssh2 [preauth]"),
            (Fields{{"preauth", "true"},
                    {"auth_method", "keyboard-interactive"},
                    {"user", "bob"},
                    {"src_ip", "10.0.0.1"},
                    {"src_port", "22"}}));
}

TEST(SyslogSshd, UserNamesChosenByTheClient) {
  // Non-ASCII, spaces, even " from " in an invalid user's name.
  EXPECT_EQ(get(one_event("May  1 10:00:00 h sshd[1]: Failed password for invalid user Ådmin "
                          "from 10.0.0.66 port 52001 ssh2"),
                "user"),
            "Ådmin");
  EXPECT_EQ(of("sshd", "Failed password for invalid user a b from c from 10.0.0.1 port 2 ssh2"),
            (Fields{{"action", "login"},
                    {"outcome", "failure"},
                    {"auth_method", "password"},
                    {"invalid_user", "true"},
                    {"user", "a b from c"},
                    {"src_ip", "10.0.0.1"},
                    {"src_port", "2"}}));
  // An empty name: no user field.
  EXPECT_EQ(of("sshd", "Invalid user  from 10.0.0.1 port 2"),
            (Fields{{"action", "invalid_user"},
                    {"invalid_user", "true"},
                    {"src_ip", "10.0.0.1"},
                    {"src_port", "2"}}));
  EXPECT_EQ(of("sshd", "Connection closed by invalid user  10.0.0.1 port 2 [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "disconnect"},
                    {"invalid_user", "true"},
                    {"src_ip", "10.0.0.1"},
                    {"src_port", "2"}}));
}

TEST(SyslogSshd, InvalidUser) {
  EXPECT_EQ(of("sshd", "Invalid user webmaster from 173.234.31.186"),
            (Fields{{"action", "invalid_user"},
                    {"invalid_user", "true"},
                    {"user", "webmaster"},
                    {"src_ip", "173.234.31.186"}}));
  EXPECT_EQ(of("sshd", "Invalid user oracle from 203.0.113.7 port 50122"),
            (Fields{{"action", "invalid_user"},
                    {"invalid_user", "true"},
                    {"user", "oracle"},
                    {"src_ip", "203.0.113.7"},
                    {"src_port", "50122"}}));
  EXPECT_EQ(of("sshd", "input_userauth_request: invalid user test9 [preauth]"),
            (Fields{{"preauth", "true"}, {"invalid_user", "true"}, {"user", "test9"}}));
}

TEST(SyslogSshd, Disconnects) {
  EXPECT_EQ(of("sshd", "Disconnected from authenticating user admin 198.51.100.21 port 40100 [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "disconnect"},
                    {"user", "admin"},
                    {"src_ip", "198.51.100.21"},
                    {"src_port", "40100"}}));
  EXPECT_EQ(of("sshd", "Disconnected from user alice 2001:db8::42 port 61000"),
            (Fields{{"action", "disconnect"},
                    {"user", "alice"},
                    {"src_ip", "2001:db8::42"},
                    {"src_port", "61000"}}));
  EXPECT_EQ(of("sshd", "Disconnected from 10.0.0.9 port 5"),
            (Fields{{"action", "disconnect"}, {"src_ip", "10.0.0.9"}, {"src_port", "5"}}));
  EXPECT_EQ(of("sshd", "Connection closed by 173.234.31.186 [preauth]"),
            (Fields{{"preauth", "true"}, {"action", "disconnect"}, {"src_ip", "173.234.31.186"}}));
  EXPECT_EQ(of("sshd", "Connection closed by authenticating user root 10.0.0.3 port 4 [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "disconnect"},
                    {"user", "root"},
                    {"src_ip", "10.0.0.3"},
                    {"src_port", "4"}}));
  EXPECT_EQ(of("sshd", "Connection reset by 10.0.0.3 port 4 [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "disconnect"},
                    {"src_ip", "10.0.0.3"},
                    {"src_port", "4"}}));
  EXPECT_EQ(of("sshd", "Received disconnect from 198.51.100.21 port 40100:11: Bye Bye [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "disconnect"},
                    {"src_ip", "198.51.100.21"},
                    {"src_port", "40100"}}));
  // Before OpenSSH 7.3, without the port; and as an error.
  EXPECT_EQ(of("sshd", "Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]"),
            (Fields{{"preauth", "true"}, {"action", "disconnect"}, {"src_ip", "52.80.34.196"}}));
  EXPECT_EQ(of("sshd", "error: Received disconnect from 2001:db8::1: 3: Auth fail [preauth]"),
            (Fields{{"preauth", "true"}, {"action", "disconnect"}, {"src_ip", "2001:db8::1"}}));
}

TEST(SyslogSshd, TooManyAttempts) {
  EXPECT_EQ(of("sshd", "error: maximum authentication attempts exceeded for invalid user admin "
                       "from 203.0.113.7 port 50130 ssh2 [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "max_auth_attempts"},
                    {"invalid_user", "true"},
                    {"user", "admin"},
                    {"src_ip", "203.0.113.7"},
                    {"src_port", "50130"}}));
  EXPECT_EQ(of("sshd", "Disconnecting authenticating user root 203.0.113.7 port 50130: Too many "
                       "authentication failures [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "max_auth_attempts"},
                    {"user", "root"},
                    {"src_ip", "203.0.113.7"},
                    {"src_port", "50130"}}));
  EXPECT_EQ(of("sshd", "Disconnecting: Too many authentication failures for admin [preauth]"),
            (Fields{{"preauth", "true"}, {"action", "max_auth_attempts"}, {"user", "admin"}}));
  EXPECT_EQ(of("sshd", "Disconnecting invalid user x 10.0.0.1 port 9: Change of username or "
                       "service not allowed: (x,ssh-connection) -> (y,ssh-connection) [preauth]"),
            (Fields{{"preauth", "true"},
                    {"action", "disconnect"},
                    {"invalid_user", "true"},
                    {"user", "x"},
                    {"src_ip", "10.0.0.1"},
                    {"src_port", "9"}}));
}

TEST(SyslogSshd, PamAndOtherLines) {
  EXPECT_EQ(of("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                       "tty=ssh ruser= rhost=173.234.31.186  user=root"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "sshd"},
                    {"pam_type", "auth"},
                    {"action", "pam_auth"},
                    {"outcome", "failure"},
                    {"uid", "0"},
                    {"euid", "0"},
                    {"tty", "ssh"},
                    {"rhost", "173.234.31.186"},
                    {"src_ip", "173.234.31.186"},
                    {"user", "root"}}));
  EXPECT_EQ(of("sshd", "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh "
                       "ruser= rhost=112.95.230.3  user=root"),
            (Fields{{"action", "pam_auth"},
                    {"outcome", "failure"},
                    {"failure_count", "5"},
                    {"uid", "0"},
                    {"euid", "0"},
                    {"tty", "ssh"},
                    {"rhost", "112.95.230.3"},
                    {"src_ip", "112.95.230.3"},
                    {"user", "root"}}));
  EXPECT_EQ(of("sshd", "PAM service(sshd) ignoring max retries; 6 > 3"), Fields{});
  EXPECT_EQ(of("sshd", "pam_unix(sshd:auth): check pass; user unknown"),
            (Fields{{"pam_module", "pam_unix"}, {"pam_service", "sshd"}, {"pam_type", "auth"}}));
  EXPECT_EQ(of("sshd", "reverse mapping checking getaddrinfo for ns.example.com [173.234.31.186] "
                       "failed - POSSIBLE BREAK-IN ATTEMPT!"),
            (Fields{{"src_host", "ns.example.com"}, {"src_ip", "173.234.31.186"}}));
  EXPECT_EQ(of("sshd", "Did not receive identification string from 10.0.0.8 port 60"),
            (Fields{{"src_ip", "10.0.0.8"}, {"src_port", "60"}}));
  EXPECT_EQ(of("sshd", "Unable to negotiate with 10.0.0.8 port 60: no matching host key type "
                       "found. Their offer: ssh-rsa [preauth]"),
            (Fields{{"preauth", "true"}, {"src_ip", "10.0.0.8"}, {"src_port", "60"}}));
  EXPECT_EQ(of("sshd", "Server listening on 0.0.0.0 port 22."), Fields{});
  EXPECT_EQ(of("sshd", "fatal: Read from socket failed: Connection reset by peer [preauth]"),
            (Fields{{"preauth", "true"}}));
  EXPECT_EQ(of("sshd", "Connection reset by peer"), Fields{});
}

TEST(SyslogSshd, RepeatedMessages) {
  EXPECT_EQ(of("sshd", "message repeated 5 times: [ Failed password for root from 5.36.59.76 "
                       "port 42393 ssh2]"),
            (Fields{{"repeat_count", "5"},
                    {"action", "login"},
                    {"outcome", "failure"},
                    {"auth_method", "password"},
                    {"user", "root"},
                    {"src_ip", "5.36.59.76"},
                    {"src_port", "42393"}}));
  // The message field keeps the text as written.
  EXPECT_EQ(get(one_event("May  1 10:00:00 h sshd[1]: message repeated 2 times: [ x]"), "message"),
            "message repeated 2 times: [ x]");
  EXPECT_EQ(of("sshd", "message repeated often: [ Failed password for root from 1.2.3.4 port 5]"),
            Fields{});
}

TEST(SyslogPam, Sessions) {
  EXPECT_EQ(of("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "sudo"},
                    {"pam_type", "session"},
                    {"action", "session_open"},
                    {"user", "root"},
                    {"src_user", "alice"}}));
  EXPECT_EQ(of("CRON", "pam_unix(cron:session): session opened for user root by (uid=0)"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "cron"},
                    {"pam_type", "session"},
                    {"action", "session_open"},
                    {"user", "root"}}));
  EXPECT_EQ(of("login", "pam_unix(login:session): session opened for user bob by LOGIN(uid=0)"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "login"},
                    {"pam_type", "session"},
                    {"action", "session_open"},
                    {"user", "bob"},
                    {"src_user", "LOGIN"}}));
  EXPECT_EQ(of("sshd", "pam_unix(sshd:session): session closed for user alice"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "sshd"},
                    {"pam_type", "session"},
                    {"action", "session_close"},
                    {"user", "alice"}}));
  EXPECT_EQ(of("passwd", "pam_unix(passwd:chauthtok): password changed for bob"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "passwd"},
                    {"pam_type", "chauthtok"},
                    {"action", "password_change"},
                    {"user", "bob"}}));
  EXPECT_EQ(of("app", "pam_sss(app): x"),
            (Fields{{"pam_module", "pam_sss"}, {"pam_service", "app"}}));
}

TEST(SyslogSudo, CommandsAndRefusals) {
  EXPECT_EQ(extracted(one_event("May  1 10:05:00 web01 sudo:    alice : TTY=pts/0 ; "
                                "PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get update")),
            (Fields{{"action", "sudo"},
                    {"user", "alice"},
                    {"TTY", "pts/0"},
                    {"PWD", "/home/alice"},
                    {"USER", "root"},
                    {"COMMAND", "/usr/bin/apt-get update"},
                    {"outcome", "success"}}));
  EXPECT_EQ(of("sudo", "bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; "
                       "USER=root ; COMMAND=/bin/bash"),
            (Fields{{"action", "sudo"},
                    {"user", "bob"},
                    {"reason", "3 incorrect password attempts"},
                    {"failure_count", "3"},
                    {"TTY", "pts/1"},
                    {"PWD", "/home/bob"},
                    {"USER", "root"},
                    {"COMMAND", "/bin/bash"},
                    {"outcome", "failure"}}));
  EXPECT_EQ(of("sudo", "bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/id"),
            (Fields{{"action", "sudo"},
                    {"user", "bob"},
                    {"reason", "user NOT in sudoers"},
                    {"TTY", "pts/1"},
                    {"PWD", "/"},
                    {"USER", "root"},
                    {"COMMAND", "/usr/bin/id"},
                    {"outcome", "failure"}}));
  // GROUP and ENV; a command holding " ; " stays whole.
  EXPECT_EQ(of("sudo", "ann : TTY=unknown ; PWD=/ ; USER=root ; GROUP=adm ; ENV=A=1 B=2 ; "
                       "COMMAND=/bin/sh -c echo a ; echo b"),
            (Fields{{"action", "sudo"},
                    {"user", "ann"},
                    {"TTY", "unknown"},
                    {"PWD", "/"},
                    {"USER", "root"},
                    {"GROUP", "adm"},
                    {"ENV", "A=1 B=2"},
                    {"COMMAND", "/bin/sh -c echo a ; echo b"},
                    {"outcome", "success"}}));
  // CVE-2019-14287: a run-as user id of -1.
  EXPECT_EQ(get(one_event("May  1 10:07:00 h sudo: alice : TTY=pts/0 ; PWD=/tmp ; USER=#-1 ; "
                          "COMMAND=/bin/bash"),
                "USER"),
            "#-1");
  EXPECT_EQ(of("sudo", "unable to resolve host web01: Name or service not known"), Fields{});
}

TEST(SyslogSu, EveryForm) {
  EXPECT_EQ(extracted(one_event("May  1 10:08:00 h su: (to root) alice on pts/0")),
            (Fields{{"action", "su"},
                    {"outcome", "success"},
                    {"user", "root"},
                    {"src_user", "alice"},
                    {"tty", "pts/0"}}));
  EXPECT_EQ(of("su", "FAILED SU (to root) bob on pts/1"),
            (Fields{{"action", "su"},
                    {"outcome", "failure"},
                    {"user", "root"},
                    {"src_user", "bob"},
                    {"tty", "pts/1"}}));
  EXPECT_EQ(of("su", "Successful su for root by alice"),
            (Fields{{"action", "su"}, {"outcome", "success"}, {"user", "root"}, {"src_user", "alice"}}));
  EXPECT_EQ(of("su", "FAILED su for root by mallory"),
            (Fields{{"action", "su"}, {"outcome", "failure"}, {"user", "root"}, {"src_user", "mallory"}}));
  EXPECT_EQ(of("su", "+ pts/0 alice:root"),
            (Fields{{"action", "su"},
                    {"outcome", "success"},
                    {"tty", "pts/0"},
                    {"src_user", "alice"},
                    {"user", "root"}}));
  EXPECT_EQ(of("su", "- pts/3 eve:root"),
            (Fields{{"action", "su"},
                    {"outcome", "failure"},
                    {"tty", "pts/3"},
                    {"src_user", "eve"},
                    {"user", "root"}}));
  EXPECT_EQ(of("su", "'su root' failed for eve on /dev/pts/8"),
            (Fields{{"action", "su"},
                    {"outcome", "failure"},
                    {"user", "root"},
                    {"src_user", "eve"},
                    {"tty", "/dev/pts/8"}}));
  EXPECT_EQ(of("su", "pam_unix(su:auth): authentication failure; logname=bob uid=1001 euid=0 "
                     "tty=/dev/pts/1 ruser=bob rhost=  user=root"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "su"},
                    {"pam_type", "auth"},
                    {"action", "pam_auth"},
                    {"outcome", "failure"},
                    {"logname", "bob"},
                    {"uid", "1001"},
                    {"euid", "0"},
                    {"tty", "/dev/pts/1"},
                    {"ruser", "bob"},
                    {"user", "root"}}));
}

TEST(SyslogPkexec, CommandAndPwnKitTraces) {
  EXPECT_EQ(of("pkexec", "alice: Executing command [USER=root] [TTY=/dev/pts/0] "
                         "[CWD=/home/alice] [COMMAND=/usr/bin/id -u]"),
            (Fields{{"action", "pkexec"},
                    {"user", "alice"},
                    {"outcome", "success"},
                    {"USER", "root"},
                    {"TTY", "/dev/pts/0"},
                    {"CWD", "/home/alice"},
                    {"COMMAND", "/usr/bin/id -u"}}));
  EXPECT_EQ(of("pkexec", "eve: Error executing command as another user: Not authorized "
                         "[USER=root] [TTY=/dev/pts/2] [CWD=/tmp] [COMMAND=/bin/sh -c [x] [y]]"),
            (Fields{{"action", "pkexec"},
                    {"user", "eve"},
                    {"outcome", "failure"},
                    {"USER", "root"},
                    {"TTY", "/dev/pts/2"},
                    {"CWD", "/tmp"},
                    {"COMMAND", "/bin/sh -c [x] [y]"}}));
  EXPECT_EQ(of("pkexec", "eve: The value for the SHELL variable was not found the /etc/shells "
                         "file [USER=root] [TTY=/dev/pts/0] [CWD=/tmp] [COMMAND=GCONV_PATH=.]"),
            (Fields{{"action", "pkexec"},
                    {"user", "eve"},
                    {"USER", "root"},
                    {"TTY", "/dev/pts/0"},
                    {"CWD", "/tmp"},
                    {"COMMAND", "GCONV_PATH=."}}));
}

TEST(SyslogAccounts, ShadowTools) {
  EXPECT_EQ(of("useradd", "new user: name=toor, UID=0, GID=0, home=/root, shell=/bin/bash, "
                          "from=/dev/pts/0"),
            (Fields{{"action", "user_add"},
                    {"user", "toor"},
                    {"uid", "0"},
                    {"gid", "0"},
                    {"home", "/root"},
                    {"shell", "/bin/bash"},
                    {"tty", "/dev/pts/0"}}));
  EXPECT_EQ(of("useradd", "new group: name=backup2, GID=1002"),
            (Fields{{"action", "group_add"}, {"group", "backup2"}, {"gid", "1002"}}));
  EXPECT_EQ(of("groupadd", "group added to /etc/gshadow: name=devs"),
            (Fields{{"action", "group_add"}, {"group", "devs"}}));
  EXPECT_EQ(of("usermod", "add 'backup2' to shadow group 'sudo'"),
            (Fields{{"action", "group_member_add"}, {"user", "backup2"}, {"group", "sudo"}}));
  EXPECT_EQ(of("gpasswd", "delete 'eve' from group 'wheel'"),
            (Fields{{"action", "group_member_remove"}, {"user", "eve"}, {"group", "wheel"}}));
  EXPECT_EQ(of("userdel", "delete user 'backup2'"),
            (Fields{{"action", "user_delete"}, {"user", "backup2"}}));
  EXPECT_EQ(of("userdel", "removed shadow group 'backup2' owned by 'backup2'"),
            (Fields{{"action", "group_delete"}, {"group", "backup2"}}));
  EXPECT_EQ(of("groupdel", "group 'devs' removed from /etc/group"),
            (Fields{{"action", "group_delete"}, {"group", "devs"}}));
  EXPECT_EQ(of("usermod", "change user 'bob' shell from '/bin/sh' to '/bin/bash'"),
            (Fields{{"action", "user_modify"}, {"user", "bob"}}));
  EXPECT_EQ(of("usermod", "lock user 'bob' password"),
            (Fields{{"action", "user_modify"}, {"user", "bob"}}));
  EXPECT_EQ(of("usermod", "change user name 'bob' to 'robert'"),
            (Fields{{"action", "user_modify"}, {"user", "bob"}, {"new_name", "robert"}}));
  EXPECT_EQ(of("passwd", "password for 'bob' changed by 'root'"),
            (Fields{{"action", "password_change"}, {"user", "bob"}, {"src_user", "root"}}));
  EXPECT_EQ(of("chpasswd", "pam_unix(chpasswd:chauthtok): password changed for toor"),
            (Fields{{"pam_module", "pam_unix"},
                    {"pam_service", "chpasswd"},
                    {"pam_type", "chauthtok"},
                    {"action", "password_change"},
                    {"user", "toor"}}));
  EXPECT_EQ(of("useradd", "failed adding user 'x', data deleted"), Fields{});
}

TEST(SyslogCron, CommandsAndCrontabEdits) {
  EXPECT_EQ(of("CRON", "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"),
            (Fields{{"user", "root"},
                    {"cron_action", "CMD"},
                    {"CMD", "   cd / && run-parts --report /etc/cron.hourly"}}));
  EXPECT_EQ(of("crond", "(oracle) CMD (/u01/backup.sh > /dev/null 2>&1 (nightly))"),
            (Fields{{"user", "oracle"},
                    {"cron_action", "CMD"},
                    {"CMD", "/u01/backup.sh > /dev/null 2>&1 (nightly)"}}));
  EXPECT_EQ(of("crontab", "(alice) REPLACE (alice)"),
            (Fields{{"user", "alice"}, {"cron_action", "REPLACE"}}));
  EXPECT_EQ(of("crontab", "(root) BEGIN EDIT (bob)"),
            (Fields{{"user", "root"}, {"cron_action", "BEGIN EDIT"}}));
  EXPECT_EQ(of("cron", "(CRON) INFO (Running @reboot jobs)"), (Fields{{"cron_action", "INFO"}}));
  EXPECT_EQ(of("anacron", "Job `cron.daily' started"), Fields{});
}

TEST(SyslogExtract, OnlyTheKnownProgramsAreSplit) {
  // The same words from another program are only a message.
  EXPECT_EQ(of("myapp", "Accepted password for alice from 10.0.0.5 port 52000 ssh2"), Fields{});
  EXPECT_EQ(of("sshdx", "Invalid user a from 10.0.0.1"), Fields{});
  EXPECT_EQ(of("sudo", ""), Fields{});
  EXPECT_EQ(of("sshd", "Accepted"), Fields{});
  EXPECT_EQ(of("sshd", "Failed "), (Fields{{"action", "login"}, {"outcome", "failure"}}));
  EXPECT_EQ(of("su", "(to "), (Fields{{"action", "su"}, {"outcome", "success"}}));
  EXPECT_EQ(of("pkexec", "a: x [USER"), (Fields{{"action", "pkexec"}, {"user", "a"}}));
  EXPECT_EQ(of("cron", "(root"), Fields{});
}

}  // namespace
}  // namespace vigil::read
