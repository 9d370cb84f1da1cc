// libFuzzer target: the input is an inventory file (docs/inventory.md). It is
// loaded; a loaded inventory is then asked what the investigation asks it.
//
// Checks beyond "no crash, no sanitizer report, no hang": a refused file has
// problems, each with a message and a line inside the file, in line order; a
// loaded file finds each of its subjects, assets and accounts again, and
// every location pattern without wildcards matches its own text; loading the
// same input twice gives the same transcript.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/assess/inventory.h"
#include "vigil/assess/need_to_know.h"

namespace {

using namespace vigil::assess;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "vigil fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// The text a pattern names when it has no wildcard, and the kind of text it is.
bool literal_text(const std::string& pattern, std::string& text, LocationKind& kind) {
  if (pattern.find_first_of("*?[") != std::string::npos) return false;
  if (pattern.starts_with("url:")) {
    // `#` starts a fragment in a URL text, but is a character in a pattern.
    if (pattern.find('#') != std::string::npos) return false;
    text = pattern.substr(4);
    kind = LocationKind::kUrl;
  } else if (pattern.starts_with("object:")) {
    text = pattern.substr(7);
    kind = LocationKind::kObject;
  } else {
    text = pattern;
    kind = LocationKind::kPath;
  }
  return true;
}

const char* const kProbes[] = {
    "D:\\Shares\\cases\\2024-017\\witnesses\\W-0001.pdf",
    "\\\\fs01.court.local\\cases\\2024-017\\x",
    "\\\\?\\UNC\\fs01\\cases\\a\\..\\b",
    "/srv/cases/./a//b/",
    "/cms/cases/%2e%2e/2024-017/w?x=1",
    "https://cms/cases/2024-017/",
    "case/2024-017/witness/1",
};

std::string run(std::string_view input) {
  std::string transcript;
  const InventoryResult result = Inventory::parse(input, "fuzz.yaml");
  if (!result.ok()) {
    if (result.problems().empty()) fail("refused without a problem", std::string(input));
    size_t lines = 1;
    for (char c : input) lines += c == '\n' ? 1 : 0;
    uint32_t previous = 0;
    for (const InventoryProblem& p : result.problems()) {
      if (p.message.empty()) fail("a problem without a message", p.to_string());
      if (p.line > lines + 1) fail("a problem past the end of the file", p.to_string());
      if (p.line != 0 && p.line < previous) fail("problems out of line order", p.to_string());
      if (p.line != 0) previous = p.line;
      transcript += p.to_string();
      transcript += '\n';
    }
    return transcript;
  }
  const Inventory& inv = *result;
  for (const Subject& s : inv.subjects()) {
    if (inv.subject(s.id) != &s) fail("a subject not found by its id", s.id);
    transcript += s.id + '\n';
  }
  for (const Asset& a : inv.assets()) {
    if (inv.asset(a.id) != &a) fail("an asset not found by its id", a.id);
    for (const std::string& pattern : a.locations) {
      if (!LocationPattern::compile(pattern).ok()) fail("a loaded pattern does not compile", pattern);
      std::string text;
      LocationKind kind{};
      if (!literal_text(pattern, text, kind)) continue;
      bool found = false;
      for (const Asset* hit : inv.assets_at(text, kind)) found = found || hit == &a;
      if (!found) fail("a pattern without wildcards does not match its own text", pattern);
    }
  }
  for (const Identity& identity : inv.identities()) {
    std::vector<const std::string*> spellings{&identity.account};
    for (const std::string& alias : identity.aliases) spellings.push_back(&alias);
    for (const std::string* account : spellings) {
      const IdentityLookup lookup = inv.identity(*account);
      if (lookup.status == IdentityLookup::Status::kUnknown) {
        fail("an identity's account is unknown", *account);
      }
      if (lookup.status == IdentityLookup::Status::kKnown && lookup.identity != &identity) {
        fail("an account resolves to another identity", *account);
      }
    }
    for (const Asset& a : inv.assets()) {
      transcript += access_name(judge_access(inv, identity.account, a).access);
      transcript += ' ';
    }
    transcript += '\n';
  }
  for (const char* probe : kProbes) {
    for (LocationKind kind : {LocationKind::kPath, LocationKind::kUrl, LocationKind::kObject}) {
      for (const Asset* a : inv.assets_at(probe, kind)) transcript += a->id + ' ';
      transcript += '\n';
    }
  }
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;  // inventories that matter for fuzzing are small
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string first = run(input);
  const std::string second = run(input);
  if (first != second) fail("loading the same inventory twice gave different results", first);
  return 0;
}
