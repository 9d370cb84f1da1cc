// Sigma string matching: fixed shapes on memcmp/memmem, globs with a
// leftmost-segment scan. Each glob segment matches at a given position in at
// most one way (its atoms have no choices), so taking the leftmost match of
// every segment between stars is always right and never backtracks: time is
// linear in the text for each segment.

#include <cstring>

#include "compiled.h"

namespace vigil::detect {

namespace {

// The windash class, UTF-8: - / en dash, em dash, horizontal bar.
constexpr std::string_view kDashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};

size_t dash_at(std::string_view text, size_t pos) {
  for (std::string_view d : kDashes) {
    if (text.size() - pos >= d.size() && std::memcmp(text.data() + pos, d.data(), d.size()) == 0) {
      return d.size();
    }
  }
  return 0;
}

size_t dash_ending_at(std::string_view text, size_t end) {
  for (std::string_view d : kDashes) {
    if (end >= d.size() && std::memcmp(text.data() + end - d.size(), d.data(), d.size()) == 0) {
      return d.size();
    }
  }
  return 0;
}

// Bytes the segment covers when it matches at `pos`, or npos.
size_t match_forward(const GlobSegment& segment, std::string_view text, size_t pos) {
  const size_t start = pos;
  for (const GlobAtom& atom : segment.atoms) {
    switch (atom.kind) {
      case GlobAtom::Kind::kLiteral:
        if (text.size() - pos < atom.literal.size() ||
            std::memcmp(text.data() + pos, atom.literal.data(), atom.literal.size()) != 0) {
          return std::string_view::npos;
        }
        pos += atom.literal.size();
        break;
      case GlobAtom::Kind::kOne: {
        if (pos >= text.size()) return std::string_view::npos;
        size_t len = utf8_length(static_cast<unsigned char>(text[pos]));
        if (len > text.size() - pos) len = 1;
        pos += len;
        break;
      }
      case GlobAtom::Kind::kDash: {
        const size_t len = pos < text.size() ? dash_at(text, pos) : 0;
        if (len == 0) return std::string_view::npos;
        pos += len;
        break;
      }
    }
  }
  return pos - start;
}

// Start of the segment when it matches ending exactly at `end`, or npos.
size_t match_backward(const GlobSegment& segment, std::string_view text, size_t end) {
  size_t pos = end;
  for (auto it = segment.atoms.rbegin(); it != segment.atoms.rend(); ++it) {
    const GlobAtom& atom = *it;
    switch (atom.kind) {
      case GlobAtom::Kind::kLiteral:
        if (pos < atom.literal.size() ||
            std::memcmp(text.data() + pos - atom.literal.size(), atom.literal.data(),
                        atom.literal.size()) != 0) {
          return std::string_view::npos;
        }
        pos -= atom.literal.size();
        break;
      case GlobAtom::Kind::kOne: {
        if (pos == 0) return std::string_view::npos;
        // Step back over continuation bytes to the start of the character.
        size_t back = 1;
        while (back < 4 && back < pos &&
               utf8_continuation(static_cast<unsigned char>(text[pos - back]))) {
          ++back;
        }
        const auto lead = static_cast<unsigned char>(text[pos - back]);
        if (back > 1 && utf8_length(lead) != back) back = 1;
        pos -= back;
        break;
      }
      case GlobAtom::Kind::kDash: {
        const size_t len = dash_ending_at(text, pos);
        if (len == 0) return std::string_view::npos;
        pos -= len;
        break;
      }
    }
  }
  return pos;
}

// Leftmost position in [from, limit) where the segment matches without
// passing `limit`; returns the end of the match, or npos.
size_t find_segment(const GlobSegment& segment, std::string_view text, size_t from, size_t limit) {
  const GlobAtom* first_literal =
      !segment.atoms.empty() && segment.atoms.front().kind == GlobAtom::Kind::kLiteral
          ? &segment.atoms.front()
          : nullptr;
  size_t pos = from;
  while (pos <= limit) {
    if (first_literal != nullptr) {
      const std::string_view window = text.substr(0, limit);
      const size_t found = window.find(first_literal->literal, pos);
      if (found == std::string_view::npos) return std::string_view::npos;
      pos = found;
    } else if (pos < text.size() && utf8_continuation(static_cast<unsigned char>(text[pos]))) {
      ++pos;
      continue;
    }
    const size_t len = match_forward(segment, text, pos);
    if (len != std::string_view::npos && pos + len <= limit) return pos + len;
    ++pos;
  }
  return std::string_view::npos;
}

}  // namespace

bool glob_match(const Glob& glob, std::string_view text) {
  const auto& segs = glob.segments;
  if (segs.empty()) return !glob.anchored_start || text.empty();
  size_t first = 0;
  size_t last = segs.size();
  size_t pos = 0;
  size_t limit = text.size();
  if (glob.anchored_start) {
    const size_t len = match_forward(segs[0], text, 0);
    if (len == std::string_view::npos) return false;
    if (segs.size() == 1 && glob.anchored_end) return len == text.size();
    pos = len;
    first = 1;
  }
  if (glob.anchored_end && last > first) {
    const size_t start = match_backward(segs[last - 1], text, text.size());
    if (start == std::string_view::npos || start < pos) return false;
    limit = start;
    --last;
  }
  for (size_t i = first; i < last; ++i) {
    const size_t end = find_segment(segs[i], text, pos, limit);
    if (end == std::string_view::npos) return false;
    pos = end;
  }
  return true;
}

bool shape_match(PatternShape shape, std::string_view needle, std::string_view text) {
  switch (shape) {
    case PatternShape::kExact: return text == needle;
    case PatternShape::kPrefix: return text.starts_with(needle);
    case PatternShape::kSuffix: return text.ends_with(needle);
    case PatternShape::kContains:
      return text.find(needle) != std::string_view::npos;
    case PatternShape::kAny: return true;
    case PatternShape::kGlob: return false;
  }
  return false;
}

bool pattern_match(const Pattern& pattern, const std::vector<Glob>& globs, std::string_view text) {
  if (pattern.shape == PatternShape::kGlob) return glob_match(globs[pattern.glob], text);
  return shape_match(pattern.shape, pattern.needle, text);
}

bool length_match(const RegexLength& rule, std::string_view text) {
  // Characters are code points: every byte but UTF-8 continuation bytes.
  uint32_t run = 0;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\n' && !rule.dot_all) {
      if (rule.whole) return false;
      run = 0;
      continue;
    }
    if ((b & 0xC0) != 0x80 && ++run >= rule.min_chars && !rule.whole) return true;
  }
  return run >= rule.min_chars;
}

}  // namespace vigil::detect
