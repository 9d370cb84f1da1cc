#pragma once
// The literal prefilter of a compiled rule set (see compiled.h).

#include <span>
#include <string>
#include <string_view>

#include "compiled.h"

namespace vigil::detect {

// Fills the prefilter members of `set` once its gates, instances and tests
// exist. False (prefilter off, `error` says why) when a literal database
// cannot be built; matching is then complete, only slower.
bool build_prefilter(RuleSet::Impl& set, std::string& error);

// Debian 12's Vectorscan (5.4.9) misses matches that end in the last 32
// bytes or so of a scanned buffer longer than about 64 bytes, literal and
// regex databases alike: "mimikatz" compiled beside "sekurlsa", in a text of
// dots 72 to 400 bytes long, was missed in 4% of its placements, always
// ending 4 to 28 bytes before the text's end. The matcher therefore scans
// every text with NUL bytes after it and keeps the matches that end within
// the text; no placement was missed that way. End anchors, which the
// padding would hide, are taken out of the regexes Vectorscan gets: these
// databases only say no, and a superset says no less often.
//
// The shortest literal a database of compile_literals holds: literals of one
// or two bytes found nearly everywhere cost more to confirm than they rule
// out. Shorter ones are found by evaluation.
inline constexpr size_t kMinVectorscanLiteral = 3;
// The longest literal a database holds: Vectorscan refuses literals of some
// 16 KiB, and one refusal would take a whole database down. A longer value
// is scanned for by its first kMaxVectorscanLiteral bytes.
inline constexpr size_t kMaxVectorscanLiteral = 1024;

// One Vectorscan block-mode database of `literals` (each reported at every
// occurrence, with the id beside it): the prefilter's per-field scans and the
// matcher's keyword scans. Null with `error` set when it cannot be built.
HsDatabase compile_literals(std::span<const std::string_view> literals,
                            std::span<const unsigned> ids, std::string& error);

// One Vectorscan database of the prefilters of `regexes` (ids beside them),
// for a gate's kRegexes field scan: caseless, each reported once, matching
// at least every pure-ASCII folded text its regex matches. Regexes
// Vectorscan refuses are left out, their ids added to `unscanned` (sorted);
// null when none is left.
HsDatabase compile_regex_prefilters(std::span<const RE2* const> regexes,
                                    std::span<const uint32_t> ids,
                                    std::vector<uint32_t>& unscanned);

// A Vectorscan database, compiled in prefilter mode, that matches at least
// every pure-ASCII text `re` matches: no match there means RE2 finds none.
// Null when the regex does not qualify (RE2 then runs alone): a pattern with
// a non-ASCII byte or an escape that could stand for one (code points, octal,
// \p classes, \C, \Q quoting), POSIX syntax or a literal regex, a pattern
// beyond the kSigmaRegexPrecheck* bounds of length and counted repetition,
// or one Vectorscan rejects.
HsDatabase compile_regex_precheck(const RE2& re);

}  // namespace vigil::detect
