// libFuzzer target: the input is a compiled rule-set cache file (see
// src/detect/cache.h), which vigil reads from the user's cache folder and so
// must treat as untrusted. The checksum is not checked, so that mutated
// inputs reach the decoder proper; everything else is.
//
// Checks beyond "no crash, no sanitizer report, no hang": a file that
// decodes can be matched with (fixed events, results ascending rule
// indices, the same through a reused matcher), and it encodes again into a
// file that decodes into the same bytes (decoding then encoding is stable).
//
// Seeds: fuzz/corpus/ruleset_cache/, made by fuzz/make_cache_seeds.sh from
// hand-written rules.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/field_names.h"
#include "vigil/detect/cache.h"
#include "vigil/detect/matcher.h"
#include "vigil/detect/ruleset.h"

namespace {

using namespace vigil;
using namespace vigil::detect;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "vigil fuzz: %s\n%s\n", what, detail.substr(0, 4000).c_str());
  std::abort();
}

// Events like the EVTX reader's: Sysmon and Security process creation, a
// keyword target, typed values, a spaced field name.
std::vector<Event> make_events(FieldNames& names, std::deque<std::string>& storage) {
  auto text = [&](Event& e, const char* name, std::string value) {
    storage.push_back(std::move(value));
    e.add(names.intern(name), Value::utf8(storage.back()));
  };
  auto raw = [&](Event& e, const char* name, ValueType type, std::string bytes) {
    storage.push_back(std::move(bytes));
    const std::string& b = storage.back();
    e.add(names.intern(name), Value(reinterpret_cast<const uint8_t*>(b.data()),
                                    static_cast<uint32_t>(b.size()), static_cast<uint8_t>(type)));
  };
  std::vector<Event> events(3);
  Event& sysmon = events[0];
  text(sysmon, "Channel", "Microsoft-Windows-Sysmon/Operational");
  raw(sysmon, "EventID", ValueType::kUInt16, std::string("\x01\x00", 2));
  text(sysmon, "Image", "C:\\Windows\\System32\\cmd.exe");
  text(sysmon, "ParentImage", "C:\\Windows\\System32\\cmd.exe");
  text(sysmon, "CommandLine", "cmd.exe /c whoami /all -all \xE2\x80\x94x aHR0cDovL3g=");
  text(sysmon, "User", "CORP\\adm_x");
  text(sysmon, "UtcTime", "2024-03-10 23:45:12.000");
  text(sysmon, "SourceIp", "fe80::1");
  raw(sysmon, "ProcessId", ValueType::kUInt32, std::string("\xA0\x0F\0\0", 4));
  raw(sysmon, "Data", ValueType::kNull, "");
  Event& security = events[1];
  text(security, "Channel", "Security");
  raw(security, "EventID", ValueType::kUInt16, std::string("\x50\x12", 2));
  text(security, "NewProcessName", "C:\\Temp\\x.exe");
  text(security, "CommandLine", "mimikatz sekurlsa::logonpasswords");
  text(security, "IpAddress", "10.1.2.3");
  Event& defender = events[2];
  text(defender, "Channel", "Microsoft-Windows-Windows Defender/Operational");
  text(defender, "Source Name", "Real-Time Protection");
  text(defender, "Threat Name", "Virus:DOS/EICAR_Test_File");
  return events;
}

std::string matches_of(const RuleSet& set, FieldNames& names) {
  std::deque<std::string> storage;
  const std::vector<Event> events = make_events(names, storage);
  Matcher matcher(set);
  std::string rounds[2];
  for (std::string& round : rounds) {
    for (const Event& e : events) {
      const auto hits = matcher.match(e);
      for (size_t i = 0; i < hits.size(); ++i) {
        if (hits[i] >= set.size() || (i > 0 && hits[i] <= hits[i - 1])) {
          fail("match results are not ascending rule indices", round);
        }
        round += std::to_string(hits[i]);
        round += ' ';
      }
      round += '\n';
    }
  }
  if (rounds[0] != rounds[1]) {
    fail("a reused matcher gave different results", rounds[0] + "\n---\n" + rounds[1]);
  }
  return rounds[0];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return -1;  // the seeds are small; keep the corpus small
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // Like the checksum, the header's payload size (bytes 48-55, after magic,
  // version, byte-order mark and key) is made to hold, so that inserted and
  // removed bytes reach the decoder too.
  constexpr size_t kHeaderBytes = 88;
  if (bytes.size() >= kHeaderBytes) {
    const uint64_t payload = bytes.size() - kHeaderBytes;
    std::memcpy(bytes.data() + 48, &payload, sizeof payload);
  }
  const std::string_view input(bytes);
  DecodeChecks checks;
  checks.checksum = false;
  FieldNames names;
  std::vector<Diagnostic> diagnostics;
  auto decoded = decode_rule_set(input, names, diagnostics, checks);
  if (!decoded.ok()) return 0;
  const RuleSet& set = *decoded.value();
  const std::string matches = matches_of(set, names);

  const CacheKey key{};
  const std::string again = encode_rule_set(set, diagnostics, key);
  if (again.empty()) return 0;  // e.g. a database Vectorscan cannot serialize back
  FieldNames names2;
  std::vector<Diagnostic> diagnostics2;
  DecodeChecks strict;
  strict.key = &key;
  auto second = decode_rule_set(again, names2, diagnostics2, strict);
  if (!second.ok()) fail("a re-encoded cache file does not decode", second.error().to_string());
  if (encode_rule_set(*second.value(), diagnostics2, key) != again) {
    fail("decoding then encoding is not stable", "");
  }
  if (matches_of(*second.value(), names2) != matches) {
    fail("a re-encoded cache file matches differently", matches);
  }
  return 0;
}
