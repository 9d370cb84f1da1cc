// The condition grammar. Precedence, least binding first: or, and, not,
// `x of`, parentheses.
//
//   expr    := and ('or' and)*
//   and     := unary ('and' unary)*
//   unary   := 'not' unary | primary
//   primary := '(' expr ')' | quant 'of' target | identifier
//   quant   := 'all' | 'any' | number
//   target  := 'them' | pattern

#include <algorithm>
#include <string>
#include <vector>

#include "vigil/core/limits.h"
#include "vigil/detect/loader.h"

namespace vigil::detect {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

struct Token {
  enum Kind : uint8_t { kWord, kOpen, kClose, kEnd } kind;
  std::string_view text;
};

class ConditionParser {
 public:
  explicit ConditionParser(std::string_view text) : text_(text) {}

  std::optional<ConditionNode> parse(std::string& error) {
    if (!tokenize(error)) return std::nullopt;
    if (tokens_.size() == 1) {
      error = "the condition is empty";
      return std::nullopt;
    }
    auto node = parse_or(0);
    if (!node) {
      error = error_;
      return std::nullopt;
    }
    if (peek().kind != Token::kEnd) {
      error = "unexpected '" + std::string(peek().text) + "' after a complete condition";
      return std::nullopt;
    }
    return node;
  }

 private:
  bool tokenize(std::string& error) {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '(') {
        tokens_.push_back({Token::kOpen, text_.substr(i, 1)});
        ++i;
      } else if (c == ')') {
        tokens_.push_back({Token::kClose, text_.substr(i, 1)});
        ++i;
      } else if (c == '|') {
        error =
            "'|' starts a legacy aggregation (count(), near, ...), which Sigma v2 replaced with "
            "correlation rules";
        return false;
      } else {
        const size_t start = i;
        while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\n' &&
               text_[i] != '\r' && text_[i] != '(' && text_[i] != ')' && text_[i] != '|') {
          ++i;
        }
        tokens_.push_back({Token::kWord, text_.substr(start, i - start)});
      }
    }
    tokens_.push_back({Token::kEnd, {}});
    return true;
  }

  const Token& peek(size_t ahead = 0) const {
    const size_t at = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[at];
  }
  bool peek_word(std::string_view word, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Token::kWord && iequals(t.text, word);
  }
  std::optional<ConditionNode> fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return std::nullopt;
  }
  bool too_deep(uint32_t depth) const { return depth > limits::kSigmaMaxConditionDepth; }

  std::optional<ConditionNode> parse_or(uint32_t depth) {
    if (too_deep(depth)) return fail("the condition nests deeper than the limit");
    auto first = parse_and(depth + 1);
    if (!first) return std::nullopt;
    if (!peek_word("or")) return first;
    ConditionNode node;
    node.kind = ConditionNode::Kind::kOr;
    node.children.push_back(std::move(*first));
    while (peek_word("or")) {
      ++pos_;
      auto next = parse_and(depth + 1);
      if (!next) return std::nullopt;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  std::optional<ConditionNode> parse_and(uint32_t depth) {
    if (too_deep(depth)) return fail("the condition nests deeper than the limit");
    auto first = parse_unary(depth + 1);
    if (!first) return std::nullopt;
    if (!peek_word("and")) return first;
    ConditionNode node;
    node.kind = ConditionNode::Kind::kAnd;
    node.children.push_back(std::move(*first));
    while (peek_word("and")) {
      ++pos_;
      auto next = parse_unary(depth + 1);
      if (!next) return std::nullopt;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  std::optional<ConditionNode> parse_unary(uint32_t depth) {
    if (too_deep(depth)) return fail("the condition nests deeper than the limit");
    if (peek_word("not")) {
      ++pos_;
      auto operand = parse_unary(depth + 1);
      if (!operand) return std::nullopt;
      ConditionNode node;
      node.kind = ConditionNode::Kind::kNot;
      node.children.push_back(std::move(*operand));
      return node;
    }
    return parse_primary(depth + 1);
  }

  static bool is_keyword(std::string_view word) {
    return iequals(word, "and") || iequals(word, "or") || iequals(word, "not") ||
           iequals(word, "of") || iequals(word, "them");
  }

  std::optional<ConditionNode> parse_primary(uint32_t depth) {
    if (too_deep(depth)) return fail("the condition nests deeper than the limit");
    const Token& t = peek();
    if (t.kind == Token::kOpen) {
      ++pos_;
      auto inner = parse_or(depth + 1);
      if (!inner) return std::nullopt;
      if (peek().kind != Token::kClose) return fail("missing ')'");
      ++pos_;
      return inner;
    }
    if (t.kind == Token::kClose) return fail("unexpected ')'");
    if (t.kind == Token::kEnd) return fail("the condition ends where an operand was expected");
    // A quantifier only when `of` follows, so identifiers may be named `all`.
    if (peek_word("of", 1)) {
      ConditionNode node;
      node.kind = ConditionNode::Kind::kOf;
      if (iequals(t.text, "all")) {
        node.count = 0;
      } else if (iequals(t.text, "any")) {
        node.count = 1;
      } else {
        uint32_t n = 0;
        bool digits = !t.text.empty() && t.text.size() <= 6;
        for (char c : t.text) {
          if (c < '0' || c > '9') digits = false;
          n = n * 10 + static_cast<uint32_t>(c - '0');
        }
        if (!digits) {
          std::string message = "'";
          message.append(t.text);
          message += " of': expected 'all', 'any' or a number";
          return fail(std::move(message));
        }
        if (n == 0) return fail("'0 of' can never hold");
        node.count = n;
      }
      pos_ += 2;
      const Token& target = peek();
      if (target.kind != Token::kWord || iequals(target.text, "and") ||
          iequals(target.text, "or") || iequals(target.text, "not")) {
        return fail("'of' must be followed by 'them' or a name pattern");
      }
      if (iequals(target.text, "them")) {
        node.them = true;
      } else {
        node.name = std::string(target.text);
      }
      ++pos_;
      return node;
    }
    if (is_keyword(t.text)) {
      return fail("unexpected '" + std::string(t.text) + "'");
    }
    ConditionNode node;
    node.kind = ConditionNode::Kind::kIdentifier;
    node.name = std::string(t.text);
    ++pos_;
    return node;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::string error_;
};

// `*` matches any run of characters; everything else matches itself.
bool name_matches(std::string_view pattern, std::string_view name) {
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

std::optional<ConditionNode> parse_condition(std::string_view text, std::string& error) {
  if (text.size() > limits::kSigmaMaxValueBytes) {
    error = "the condition is longer than the limit";
    return std::nullopt;
  }
  ConditionParser parser(text);
  return parser.parse(error);
}

std::vector<std::string_view> identifiers_matching(const DetectionSection& detection,
                                                   std::string_view pattern, bool them) {
  std::vector<std::string_view> out;
  const bool underscore_wanted = !them && !pattern.empty() && pattern.front() == '_';
  for (const SearchIdentifier& id : detection.identifiers) {
    if (!underscore_wanted && !id.name.empty() && id.name.front() == '_') continue;
    if (them || name_matches(pattern, id.name)) out.push_back(id.name);
  }
  return out;
}

}  // namespace vigil::detect
