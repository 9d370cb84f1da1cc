#include "vigil/detect/selection.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "references.h"

namespace vigil::detect {

namespace {

bool contains_caseless(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

template <class Item>
void erase_unkept(std::vector<Item>& items, const std::vector<char>& keep) {
  size_t out = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (keep[i] && out != i) items[out] = std::move(items[i]);
    if (keep[i]) ++out;
  }
  items.erase(items.begin() + static_cast<std::ptrdiff_t>(out), items.end());
}

}  // namespace

bool RuleSelection::selects(const RuleInfo& info) const {
  if (min_level && info.level < *min_level) return false;
  if (contains.empty()) return true;
  for (const std::string& text : contains) {
    if (contains_caseless(info.id, text) || contains_caseless(info.title, text)) return true;
    for (const std::string& tag : info.tags) {
      if (contains_caseless(tag, text)) return true;
    }
  }
  return false;
}

std::string RuleSelection::key() const {
  if (empty()) return {};
  std::string key = "min-level ";
  key += min_level ? level_name(*min_level) : "-";
  // Length-prefixed, so that no two lists of texts give one key.
  for (const std::string& text : contains) {
    key += ' ';
    key += std::to_string(text.size());
    key += ':';
    key += text;
  }
  return key;
}

SelectionCounts apply_selection(RuleCollection& collection, const RuleSelection& selection) {
  SelectionCounts counts;
  counts.rules = collection.rules.size() + collection.correlations.size();
  if (selection.empty()) return counts;

  const ReferenceIndex rule_refs = reference_index(collection.rules);
  const ReferenceIndex correlation_refs = reference_index(collection.correlations);
  std::vector<char> keep_rule(collection.rules.size(), 0);
  std::vector<char> keep_correlation(collection.correlations.size(), 0);
  for (size_t i = 0; i < collection.rules.size(); ++i) {
    keep_rule[i] = selection.selects(collection.rules[i].info) ? 1 : 0;
  }
  // A kept correlation keeps what it refers to, through chains of
  // correlations; each is visited once, so a loop (which the compiler
  // reports) ends here too.
  std::vector<size_t> pending;
  auto keep_with_references = [&](size_t first) {
    keep_correlation[first] = 1;
    pending.push_back(first);
    while (!pending.empty()) {
      const Correlation& c = collection.correlations[pending.back()];
      pending.pop_back();
      for (const std::string& ref : c.rules) {
        if (auto it = rule_refs.find(ref); it != rule_refs.end()) {
          for (size_t r : it->second) keep_rule[r] = 1;
        }
        if (auto it = correlation_refs.find(ref); it != correlation_refs.end()) {
          for (size_t k : it->second) {
            if (!keep_correlation[k]) {
              keep_correlation[k] = 1;
              pending.push_back(k);
            }
          }
        }
      }
    }
  };
  for (size_t i = 0; i < collection.correlations.size(); ++i) {
    if (!keep_correlation[i] && selection.selects(collection.correlations[i].info)) {
      keep_with_references(i);
    }
  }
  // A correlation without `generate` silences what it takes: the rules and
  // correlations it refers to alert only through it. One the selection does
  // not select must still do so for those that are kept, or leaving it out
  // would show alerts the whole set does not; it is kept (its own alerts
  // stay hidden), with what it takes. Until nothing more is kept.
  auto takes_kept = [&](const Correlation& c) {
    for (const std::string& ref : c.rules) {
      if (auto it = rule_refs.find(ref); it != rule_refs.end()) {
        for (size_t r : it->second) {
          if (keep_rule[r]) return true;
        }
      }
      if (auto it = correlation_refs.find(ref); it != correlation_refs.end()) {
        for (size_t k : it->second) {
          if (keep_correlation[k]) return true;
        }
      }
    }
    return false;
  };
  for (bool more = true; more;) {
    more = false;
    for (size_t i = 0; i < collection.correlations.size(); ++i) {
      const Correlation& c = collection.correlations[i];
      if (!keep_correlation[i] && !c.generate && takes_kept(c)) {
        keep_with_references(i);
        more = true;
      }
    }
  }

  std::vector<char> keep_filter(collection.filters.size(), 1);
  for (size_t f = 0; f < collection.filters.size(); ++f) {
    std::vector<std::string>& refs = collection.filters[f].rules;
    if (refs.empty()) continue;
    std::erase_if(refs, [&](const std::string& ref) {
      auto it = rule_refs.find(ref);
      if (it == rule_refs.end()) return false;  // named nothing: still reported
      return std::none_of(it->second.begin(), it->second.end(),
                          [&](size_t r) { return keep_rule[r] != 0; });
    });
    keep_filter[f] = refs.empty() ? 0 : 1;
  }

  for (char k : keep_rule) counts.left_out += k ? 0 : 1;
  for (char k : keep_correlation) counts.left_out += k ? 0 : 1;
  erase_unkept(collection.rules, keep_rule);
  erase_unkept(collection.correlations, keep_correlation);
  erase_unkept(collection.filters, keep_filter);
  return counts;
}

}  // namespace vigil::detect
