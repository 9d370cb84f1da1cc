#include "vigil/report/notifications.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include "bundled_templates.h"
#include "text.h"
#include "vigil/core/limits.h"
#include "vigil/report/findings_json.h"
#include "vigil/report/html_report.h"

namespace vigil::report {

namespace {

namespace fs = std::filesystem;
using Data = kainjow::mustache::data;
using Mustache = kainjow::mustache::mustache;

using assess::AssetImpact;
using assess::ExposedSubject;
using assess::Findings;
using assess::Incident;
using assess::Organisation;
using assess::Regime;

using limits::kMaxSectionDepth;
using limits::kMaxTemplateBytes;
using limits::kMaxTemplateLanguages;

constexpr std::string_view kDefaultLanguage = "en";
constexpr std::string_view kLetterFile = "letter.md.mustache";
constexpr std::string_view kAuthorityMarkdownFile = "en/authority_report.md.mustache";
constexpr std::string_view kAuthorityHtmlFile = "authority_report.html.mustache";

constexpr std::string_view kExposures[] = {"exfiltrated", "accessed", "at_risk"};

// ---- templates ---------------------------------------------------------------

enum class Output : uint8_t { kMarkdown, kHtml };

struct Template {
  std::string name;  // how errors name it: its path, or "bundled:" and its path
  std::string text;
};

struct TemplateSet {
  std::map<std::string, Template, std::less<>> letters;  // by language tag, lower case
  Template authority_markdown;
  Template authority_html;
};

// Every name the renderer sets, at any depth (templates/notify/README.md
// documents them). A tag whose name is not among them is a typo that would
// render as nothing, so it is an error.
const std::set<std::string_view>& known_names() {
  static const std::set<std::string_view> names = {
      // both
      "organisation", "name", "dpo", "email", "phone", "address", "has_name", "has_email",
      "has_phone", "has_address", "measures", "line", "vigil_version", "first_event", "last_event",
      "data_categories", "has_data_categories", "last", "coverage_gaps", "has_coverage_gaps", "gap",
      "asset", "location", "status",
      // letters
      "reference", "subject", "id", "kind", "category", "language", "channel_name", "safety_review",
      "incident", "classification", "first_seen", "last_seen", "first_seen_date", "last_seen_date",
      "exposure_level", "confidence_percent", "first_exposed", "first_exposed_date", "assets",
      "description", "reasons", "reason",
      // authority report
      "regime_name", "deadline_hours", "aware", "aware_given", "aware_incident", "has_deadline",
      "deadline", "deadline_before_last_event", "delay_reason", "incidents", "techniques_count",
      "hosts_count", "hosts", "accounts_count", "subjects_count", "subjects_total", "individuals",
      "organisations", "states", "by_exposure", "count", "by_category", "exfiltrated", "accessed",
      "at_risk", "safety_review_count", "assets_count", "sensitivity", "actions", "evidence_count",
      "evidence_records", "evidence_capped", "not_exposed_count", "exposure"};
  return names;
}

// Maps of flags, one per word the data holds (`data.health`): the words are
// the inventory's own, so any second part is accepted.
constexpr std::string_view kFlagMaps[] = {"channel", "classification",   "exposure", "data",
                                          "kind",    "subject_category", "regime"};

bool is_flag_map(std::string_view name) {
  return std::find(std::begin(kFlagMaps), std::end(kFlagMaps), name) != std::end(kFlagMaps);
}

bool is_known_name(std::string_view name) {
  if (name == ".") return true;
  const size_t dot = name.find('.');
  if (dot != std::string_view::npos && is_flag_map(name.substr(0, dot)) &&
      name.find('.', dot + 1) == std::string_view::npos && dot + 1 < name.size()) {
    return true;
  }
  const auto& names = known_names();
  while (true) {
    const size_t end = name.find('.');
    if (!names.contains(name.substr(0, end))) return false;
    if (end == std::string_view::npos) return true;
    name.remove_prefix(end + 1);
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// "line 3, column 14" of a byte offset, for messages people act on.
std::string place(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

Error template_error(const Template& t, std::string message) {
  Error error = make_error(Errc::kInvalidArgument, std::move(message));
  error.source = t.name;
  return error;
}

// kainjow's messages end in a byte offset ("Unclosed tag at 120"): turned into
// a line and column.
std::string with_place(const std::string& message, std::string_view text) {
  const size_t at = message.rfind(" at ");
  if (at == std::string::npos) return message;
  size_t offset = 0;
  const char* begin = message.data() + at + 4;
  const char* end = message.data() + message.size();
  const auto [ptr, code] = std::from_chars(begin, end, offset);
  if (code != std::errc() || ptr != end) return message;
  return message.substr(0, at) + " at " + place(text, offset);
}

// Checks what the parser would accept but the notifications must not have:
// values written unescaped, partials (they would read a value as template
// text), delimiter changes (they would hide the other two from this scan),
// names the renderer does not set.
Result<void> check_tags(const Template& t) {
  const std::string_view text = t.text;
  size_t position = 0;
  size_t depth = 0;
  while ((position = text.find("{{", position)) != std::string_view::npos) {
    if (position + 2 < text.size() && text[position + 2] == '{') {
      return template_error(t, "{{{...}}} at " + place(text, position) +
                                   " would write a value unescaped; write {{name}}");
    }
    const size_t close = text.find("}}", position + 2);
    if (close == std::string_view::npos) break;  // the parser names it
    const std::string_view contents = trim(text.substr(position + 2, close - position - 2));
    std::string_view name = contents;
    if (contents.empty()) {
      return template_error(t, "empty tag at " + place(text, position));
    }
    switch (contents.front()) {
      case '!': position = close + 2; continue;
      case '&':
        return template_error(t, "{{&...}} at " + place(text, position) +
                                     " would write a value unescaped; write {{name}}");
      case '>':
        return template_error(
            t, "partials ({{> name}}) are not supported, at " + place(text, position));
      case '=':
        return template_error(
            t, "changing delimiters ({{=...=}}) is not supported, at " + place(text, position));
      case '#':
      case '^':
        if (++depth > kMaxSectionDepth) {
          return template_error(t, "sections nested deeper than " +
                                       std::to_string(kMaxSectionDepth) + " at " +
                                       place(text, position));
        }
        name = trim(contents.substr(1));
        break;
      case '/':
        depth -= depth > 0 ? 1 : 0;
        name = trim(contents.substr(1));
        break;
      default: break;
    }
    if (!is_known_name(name)) {
      return template_error(t, "unknown variable \"" + std::string(name) + "\" at " +
                                   place(text, position) +
                                   " (templates/notify/README.md lists them)");
    }
    position = close + 2;
  }
  return {};
}

Result<void> check_template(const Template& t) {
  if (auto checked = check_tags(t); !checked) return checked.error();
  const Mustache parsed(t.text);
  if (!parsed.is_valid()) return template_error(t, with_place(parsed.error_message(), t.text));
  return {};
}

// A language tag as a folder name: `fr`, `pt-BR`, `sr-Latn`. Other folders
// are not languages and are passed over.
bool is_language_tag(std::string_view text) {
  size_t part = 0;
  size_t length = 0;
  for (const char c : text) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (c == '-') {
      if (length == 0 || (part == 0 && length < 2)) return false;
      ++part;
      length = 0;
    } else if (letter || (digit && part > 0)) {
      if (++length > 8) return false;
    } else {
      return false;
    }
  }
  return length > 0 && (part > 0 || length >= 2);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<TemplateSet> bundled_templates() {
  TemplateSet set;
  for (const bundled::BundledFile& file : bundled::files()) {
    const std::string_view path = file.path;
    Template t{"bundled:templates/notify/" + std::string(path),
               std::string(reinterpret_cast<const char*>(file.bytes), file.size)};
    if (auto checked = check_template(t); !checked) return checked.error();
    if (path == kAuthorityMarkdownFile) {
      set.authority_markdown = std::move(t);
    } else if (path == kAuthorityHtmlFile) {
      set.authority_html = std::move(t);
    } else if (const size_t slash = path.find('/');
               slash != std::string_view::npos && path.substr(slash + 1) == kLetterFile) {
      set.letters.emplace(lower(path.substr(0, slash)), std::move(t));
    }
  }
  if (!set.letters.contains(kDefaultLanguage) || set.authority_markdown.text.empty() ||
      set.authority_html.text.empty()) {
    return make_error(Errc::kNotFound, "the bundled templates are incomplete (build error)");
  }
  return set;
}

Result<Template> read_template(const fs::path& path) {
  Template t{path.string(), {}};
  std::error_code code;
  const fs::file_status status = fs::status(path, code);
  if (code || !fs::is_regular_file(status)) {
    Error error = make_error(Errc::kNotFound, "required template missing");
    error.source = t.name;
    return error;
  }
  const uintmax_t size = fs::file_size(path, code);
  if (code || size > kMaxTemplateBytes) {
    Error error =
        code ? make_error(Errc::kIoError, "cannot read the template: " + code.message())
             : make_error(Errc::kLimitExceeded,
                          "template larger than " + std::to_string(kMaxTemplateBytes) + " bytes");
    error.source = t.name;
    return error;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in && !in.eof()) {
    Error error = make_error(Errc::kIoError, "cannot read the template");
    error.source = t.name;
    return error;
  }
  t.text = std::move(content).str();
  if (t.text.size() > kMaxTemplateBytes) {
    Error error = make_error(Errc::kLimitExceeded, "template grew while read");
    error.source = t.name;
    return error;
  }
  if (auto checked = check_template(t); !checked) return checked.error();
  return t;
}

// The organisation's folder replaces the bundled templates as a whole: what
// is sent must be what they wrote, not a mix they did not see.
Result<TemplateSet> folder_templates(const fs::path& dir) {
  std::error_code code;
  if (!fs::is_directory(dir, code)) {
    Error error = make_error(Errc::kNotFound, "not a folder of templates");
    error.source = dir.string();
    return error;
  }
  TemplateSet set;
  auto markdown = read_template(dir / kAuthorityMarkdownFile);
  if (!markdown) return markdown.take_error();
  set.authority_markdown = std::move(markdown).value();
  auto html = read_template(dir / kAuthorityHtmlFile);
  if (!html) return html.take_error();
  set.authority_html = std::move(html).value();

  std::vector<std::string> languages;
  fs::directory_iterator entries(dir, code);
  for (; !code && entries != fs::directory_iterator(); entries.increment(code)) {
    const std::string folder = entries->path().filename().string();
    std::error_code type_code;
    if (!is_language_tag(folder) || !entries->is_directory(type_code)) continue;
    languages.push_back(folder);
    if (languages.size() > kMaxTemplateLanguages) {
      Error error =
          make_error(Errc::kLimitExceeded,
                     "more than " + std::to_string(kMaxTemplateLanguages) + " language folders");
      error.source = dir.string();
      return error;
    }
  }
  if (code) {
    Error error = make_error(Errc::kIoError, "cannot list the folder: " + code.message());
    error.source = dir.string();
    return error;
  }
  // Listing order is the file system's; errors and choices must not be.
  std::sort(languages.begin(), languages.end());
  if (std::find(languages.begin(), languages.end(), kDefaultLanguage) == languages.end()) {
    languages.insert(languages.begin(), std::string(kDefaultLanguage));
  }
  for (const std::string& language : languages) {
    auto letter = read_template(dir / language / kLetterFile);
    if (!letter) return letter.take_error();
    if (!set.letters.emplace(lower(language), std::move(letter).value()).second) {
      Error error = make_error(Errc::kInvalidArgument,
                               "two language folders differ only in case: " + language);
      error.source = dir.string();
      return error;
    }
  }
  return set;
}

// Marks where a standalone tag line was; never in output otherwise (values
// are escaped, and escaping turns control characters into U+FFFD).
constexpr char kStandalone = '\x01';

// The tags of a line that holds only section, inverted, end and comment tags
// and blanks (a "standalone" line, which the Mustache spec removes whole), or
// nothing when the line holds anything else.
std::optional<std::string> standalone_tags(std::string_view line) {
  std::string tags;
  size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    if (line.compare(i, 2, "{{") != 0) return std::nullopt;
    const size_t close = line.find("}}", i + 2);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view contents = trim(line.substr(i + 2, close - i - 2));
    if (contents.empty() ||
        std::string_view("#^/!").find(contents.front()) == std::string_view::npos ||
        line[i + 2] == '{') {
      return std::nullopt;
    }
    tags.append(line.substr(i, close + 2 - i));
    i = close + 2;
  }
  if (tags.empty()) return std::nullopt;
  return tags;
}

// kainjow leaves the line of a section that is not rendered in the output
// as a blank line. So standalone lines lose their blanks and line break here
// and end in a marker instead; after rendering, lines that hold only markers
// go (the line break the template meant to remove with them), which is the
// spec's behaviour whether a section renders or not.
std::string mark_standalone_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t end = text.find('\n');
    const bool has_break = end != std::string_view::npos;
    if (!has_break) end = text.size();
    std::string_view line = text.substr(0, end);
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    if (const auto tags = standalone_tags(line)) {
      out += *tags;
      out.push_back(kStandalone);
      if (crlf) out.push_back('\r');
    } else {
      out.append(text.substr(0, crlf ? end - 1 : end));
      if (crlf) out.push_back('\r');
    }
    if (has_break) out.push_back('\n');
    text.remove_prefix(has_break ? end + 1 : end);
  }
  return out;
}

std::string drop_standalone_lines(std::string_view rendered) {
  std::string out;
  out.reserve(rendered.size());
  while (!rendered.empty()) {
    size_t end = rendered.find('\n');
    const size_t length = end == std::string_view::npos ? rendered.size() : end + 1;
    const std::string_view line = rendered.substr(0, length);
    const std::string_view content = line.substr(0, line.find_first_of("\r\n"));
    const bool only_markers =
        !content.empty() && content.find_first_not_of(kStandalone) == std::string_view::npos;
    if (!only_markers) {
      for (const char c : line) {
        if (c != kStandalone) out.push_back(c);
      }
    }
    rendered.remove_prefix(length);
  }
  return out;
}

// The longest body of a section (between its tags), which bounds the text
// one item of a list walks; the whole text when the tags do not pair up.
size_t longest_section_body(std::string_view text) {
  std::vector<size_t> open;
  size_t longest = 0;
  size_t position = 0;
  while ((position = text.find("{{", position)) != std::string_view::npos) {
    const size_t close = text.find("}}", position + 2);
    if (close == std::string_view::npos) break;
    const std::string_view contents = trim(text.substr(position + 2, close - position - 2));
    if (!contents.empty() && (contents.front() == '#' || contents.front() == '^')) {
      open.push_back(close + 2);
    } else if (!contents.empty() && contents.front() == '/') {
      if (open.empty()) return text.size();
      longest = std::max(longest, position - open.back());
      open.pop_back();
    }
    position = close + 2;
  }
  return open.empty() ? longest : text.size();
}

// Thrown out of kainjow's render when the budget is spent: it has no other
// way to stop midway, and what it would still do is the problem.
struct RenderBudgetSpent {};

// What a name lookup costs, in bytes of text walked, for every section
// open: the lookup searches each of their items.
constexpr uint64_t kLookupCostPerLevel = 32;

// Name lookups as kainjow's own context does them, with every item a section
// walks (its body again), every lookup and every value written charged
// against limits::kMaxTemplateRenderBytes. Nested sections over lists
// multiply: without this, {{#by_exposure}} nested 32 deep walks its body
// 3^32 times.
class BudgetedContext final : public kainjow::mustache::basic_context<std::string> {
 public:
  BudgetedContext(const Data& root, uint64_t item_cost) : lookup_(&root), item_cost_(item_cost) {}

  void push(const Data* data) override {
    charge(item_cost_);
    lookup_.push(data);
    ++depth_;
  }
  void pop() override {
    lookup_.pop();
    --depth_;
  }
  const Data* get(const std::string& name) const override {
    charge(kLookupCostPerLevel * depth_);
    return lookup_.get(name);
  }
  const Data* get_partial(const std::string& /*name*/) const override { return nullptr; }

  void charge(uint64_t bytes) const {
    spent_ += bytes;
    if (spent_ > limits::kMaxTemplateRenderBytes) throw RenderBudgetSpent{};
  }

 private:
  kainjow::mustache::context<std::string> lookup_;
  uint64_t item_cost_;
  uint64_t depth_ = 1;  // the data at the root
  mutable uint64_t spent_ = 0;
};

Result<std::string> render(const Template& t, const Data& data, Output output) {
  if (Mustache checked(t.text); !checked.is_valid()) {
    return template_error(t, with_place(checked.error_message(), t.text));
  }
  const std::string marked = mark_standalone_lines(t.text);
  Mustache parsed(marked);
  if (!parsed.is_valid()) return template_error(t, with_place(parsed.error_message(), t.text));
  BudgetedContext context(data, longest_section_body(marked) + kLookupCostPerLevel);
  if (output == Output::kMarkdown) {
    parsed.set_custom_escape([&context](const std::string& value) {
      std::string out;
      append_markdown_text(out, value);
      context.charge(out.size());
      return out;
    });
  } else {
    parsed.set_custom_escape([&context](const std::string& value) {
      std::string out;
      append_html_text(out, value);
      context.charge(out.size());
      return out;
    });
  }
  std::string out;
  try {
    context.charge(marked.size());
    out = parsed.render(context);
  } catch (const RenderBudgetSpent&) {
    Error error = make_error(
        Errc::kLimitExceeded,
        "rendering walks more than " + std::to_string(limits::kMaxTemplateRenderBytes) +
            " bytes of template and values: sections nested over lists repeat their text for "
            "every item of each");
    error.source = t.name;
    return error;
  }
  if (!parsed.is_valid()) return template_error(t, parsed.error_message());
  return drop_standalone_lines(out);
}

// ---- values ------------------------------------------------------------------

std::string time_text(Timestamp t) {
  if (!t.is_set()) return "unknown";
  std::string out;
  append_rfc3339(out, t, 0);
  return out;
}

std::string date_text(Timestamp t) {
  if (!t.is_set()) return "unknown";
  return time_text(t).substr(0, 10);
}

std::string percent_text(double confidence) {
  if (!std::isfinite(confidence)) return "unknown";
  const double percent = std::clamp(confidence, 0.0, 1.0) * 100.0;
  return std::to_string(static_cast<int>(std::lround(percent)));
}

Data flags(const std::vector<std::string>& words) {
  Data map;
  for (const std::string& word : words) map.set(word, Data(true));
  return map;
}

// A list of {key: word, last: bool}, `last` so templates can put separators
// between items.
Data word_list(const std::vector<std::string>& words, const std::string& key = "name") {
  Data list(Data::type::list);
  for (size_t i = 0; i < words.size(); ++i) {
    Data item;
    item.set(key, Data(words[i]));
    item.set("last", Data(i + 1 == words.size()));
    list.push_back(item);
  }
  return list;
}

// Free text the organisation gives, as a list of its non-blank lines: values
// are escaped onto one line each, so the template decides how lines show.
Data line_list(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    if (!line.empty()) lines.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return word_list(lines, "line");
}

Data dpo_data(const Organisation& organisation) {
  if (!organisation.dpo) return Data(false);
  const assess::Dpo& dpo = *organisation.dpo;
  Data d;
  d.set("name", Data(dpo.name));
  d.set("email", Data(dpo.email));
  d.set("phone", Data(dpo.phone));
  d.set("address", Data(dpo.address));
  d.set("has_name", Data(!dpo.name.empty()));
  d.set("has_email", Data(!dpo.email.empty()));
  d.set("has_phone", Data(!dpo.phone.empty()));
  d.set("has_address", Data(!dpo.address.empty()));
  return d;
}

const char* regime_name(Regime::Kind kind) {
  switch (kind) {
    case Regime::Kind::kGdpr: return "gdpr";
    case Regime::Kind::kNone: return "none";
    case Regime::Kind::kDeadline: return "deadline_hours";
  }
  return "none";
}

bool is_exposure(std::string_view exposure) {
  return std::find(std::begin(kExposures), std::end(kExposures), exposure) != std::end(kExposures);
}

std::vector<std::string> unique_sorted(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// What every template shares, and lookups into the findings.
struct Context {
  const Findings& findings;
  const Organisation& organisation;
  const NotifyOptions& options;
  std::vector<const ExposedSubject*> subjects;  // the exposed ones, by subject id
  std::map<std::string_view, const Incident*> incidents;
  std::map<std::string_view, const assess::Footprint*> footprints;
  std::map<std::string_view, const AssetImpact*> assets;

  Context(const Findings& f, const Organisation& o, const NotifyOptions& n)
      : findings(f), organisation(o), options(n) {
    for (const ExposedSubject& s : f.impact.subjects) {
      if (is_exposure(s.exposure)) subjects.push_back(&s);
    }
    std::stable_sort(subjects.begin(), subjects.end(),
                     [](const ExposedSubject* a, const ExposedSubject* b) {
                       return a->subject_id < b->subject_id;
                     });
    for (const Incident& i : f.incidents) incidents.emplace(i.id, &i);
    for (const assess::Footprint& p : f.impact.footprints) footprints.emplace(p.incident, &p);
    for (const AssetImpact& a : f.impact.assets) assets.emplace(a.asset, &a);
  }

  const Incident* incident(std::string_view id) const {
    const auto found = incidents.find(id);
    return found == incidents.end() ? nullptr : found->second;
  }
  const assess::Footprint* footprint(std::string_view id) const {
    const auto found = footprints.find(id);
    return found == footprints.end() ? nullptr : found->second;
  }
  const AssetImpact* asset(std::string_view id) const {
    const auto found = assets.find(id);
    return found == assets.end() ? nullptr : found->second;
  }

  // What all templates see at the top level.
  void fill_common(Data& data) const {
    Data org;
    org.set("name", Data(organisation.name));
    data.set("organisation", org);
    data.set("dpo", dpo_data(organisation));
    data.set("measures", line_list(options.measures));
    data.set("vigil_version", Data(findings.vigil_version));
    data.set("first_event", Data(time_text(findings.first_event)));
    data.set("last_event", Data(time_text(findings.last_event)));
  }
};

// The incident's classification and window: from the incident, else from the
// footprint the impact kept of it.
struct IncidentView {
  std::string id;
  std::string classification;
  Timestamp first;
  Timestamp last;
};

IncidentView incident_view(const Context& c, std::string_view id) {
  IncidentView view{std::string(id), "unknown", {}, {}};
  if (const Incident* i = c.incident(id)) {
    view.classification = i->classification;
    view.first = i->first_seen;
    view.last = i->last_seen;
  } else if (const assess::Footprint* p = c.footprint(id)) {
    view.classification = p->classification;
    view.first = p->first;
    view.last = p->last;
  }
  return view;
}

Data incident_data(const IncidentView& view) {
  Data d;
  d.set("id", Data(view.id));
  d.set("classification", Data(view.classification));
  d.set("first_seen", Data(time_text(view.first)));
  d.set("last_seen", Data(time_text(view.last)));
  d.set("first_seen_date", Data(date_text(view.first)));
  d.set("last_seen_date", Data(date_text(view.last)));
  return d;
}

Data gap_list(const std::vector<std::string>& gaps) { return word_list(gaps, "gap"); }

Data letter_data(const Context& c, const ExposedSubject& s, std::string_view language) {
  Data data;
  c.fill_common(data);
  data.set("reference", Data(s.incident.empty() ? s.subject_id : s.incident + "/" + s.subject_id));

  Data subject;
  subject.set("id", Data(s.subject_id));
  subject.set("name", Data(s.name));
  subject.set("kind", Data(s.kind));
  subject.set("category", Data(s.category));
  subject.set("language", Data(std::string(language)));
  data.set("subject", subject);
  data.set("kind", flags({s.kind}));
  data.set("subject_category", flags({s.category}));
  data.set("safety_review", Data(s.safety_review));

  data.set("channel_name", Data(s.channel));
  data.set("channel", flags({s.channel}));
  data.set("address", Data(s.address));
  data.set("has_address", Data(!s.address.empty()));

  const IncidentView incident = incident_view(c, s.incident);
  data.set("incident", incident_data(incident));
  data.set("classification", flags({incident.classification}));

  data.set("exposure_level", Data(s.exposure));
  data.set("exposure", flags({s.exposure}));
  data.set("confidence_percent", Data(percent_text(s.confidence)));
  data.set("first_exposed", Data(time_text(s.first_exposed)));
  data.set("first_exposed_date", Data(date_text(s.first_exposed)));

  Data assets(Data::type::list);
  std::vector<std::string> categories = s.data_categories;
  for (size_t i = 0; i < s.assets.size(); ++i) {
    const AssetImpact* impact = c.asset(s.assets[i]);
    Data item;
    item.set("id", Data(s.assets[i]));
    item.set("description",
             Data(impact && !impact->description.empty() ? impact->description : s.assets[i]));
    item.set("data_categories",
             word_list(impact ? impact->data_categories : std::vector<std::string>{}));
    item.set("last", Data(i + 1 == s.assets.size()));
    assets.push_back(item);
    if (impact) {
      categories.insert(categories.end(), impact->data_categories.begin(),
                        impact->data_categories.end());
    }
  }
  data.set("assets", assets);
  categories = unique_sorted(std::move(categories));
  data.set("data_categories", word_list(categories));
  data.set("has_data_categories", Data(!categories.empty()));
  data.set("data", flags(categories));
  data.set("coverage_gaps", gap_list(s.coverage_gaps));
  data.set("has_coverage_gaps", Data(!s.coverage_gaps.empty()));
  data.set("reasons", word_list(s.reasons, "reason"));
  return data;
}

// ---- the authority report ----------------------------------------------------

struct Awareness {
  Timestamp aware;
  bool given = false;
  std::string incident;  // the incident it was taken from, when not given
};

// Unless told, the organisation is taken to have been aware from the first
// detection behind an exposure: the earliest deadline the logs allow, so the
// report errs on the side of being late rather than of missing it.
Awareness awareness(const Context& c) {
  Awareness a;
  if (c.options.aware.is_set()) {
    a.aware = c.options.aware;
    a.given = true;
    return a;
  }
  for (const ExposedSubject* s : c.subjects) {
    const IncidentView view = incident_view(c, s->incident);
    const Timestamp first = view.first.is_set() ? view.first : s->first_exposed;
    if (!first.is_set()) continue;
    if (!a.aware.is_set() || first < a.aware || (first == a.aware && view.id < a.incident)) {
      a.aware = first;
      a.incident = view.id;
    }
  }
  return a;
}

// aware + hours, unset when either is unknown or the sum leaves the range.
Timestamp deadline_after(Timestamp aware, uint32_t hours) {
  if (!aware.is_set()) return {};
  int64_t span = 0;
  int64_t deadline = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(hours), 3600 * Timestamp::kTicksPerSecond,
                             &span) ||
      __builtin_add_overflow(aware.ticks, span, &deadline) || deadline == Timestamp::kUnset) {
    return {};
  }
  return Timestamp{deadline};
}

Result<Data> authority_data(const Context& c) {
  Data data;
  c.fill_common(data);
  data.set("delay_reason", line_list(c.options.delay_reason));

  const Regime& regime = c.organisation.regime;
  data.set("regime_name", Data(regime_name(regime.kind)));
  data.set("regime", flags({regime_name(regime.kind)}));
  std::optional<uint32_t> hours;
  if (regime.kind == Regime::Kind::kGdpr) hours = regime.deadline_hours.value_or(72);
  if (regime.kind == Regime::Kind::kDeadline) {
    if (!regime.deadline_hours) {
      return make_error(Errc::kInvalidArgument, "regime deadline_hours without a number of hours");
    }
    hours = regime.deadline_hours;
  }
  const Awareness a = awareness(c);
  data.set("aware", Data(time_text(a.aware)));
  data.set("aware_given", Data(a.given));
  data.set("aware_incident", Data(a.incident));
  const Timestamp deadline = hours ? deadline_after(a.aware, *hours) : Timestamp{};
  data.set("deadline_hours", Data(hours ? std::to_string(*hours) : std::string()));
  data.set("has_deadline", Data(hours.has_value()));
  data.set("deadline", Data(time_text(deadline)));
  data.set("deadline_before_last_event", Data(deadline.is_set() && c.findings.last_event.is_set() &&
                                              deadline < c.findings.last_event));

  // The incidents behind exposures, in the findings' order.
  std::set<std::string_view> behind;
  for (const ExposedSubject* s : c.subjects) {
    if (!s->incident.empty()) behind.insert(s->incident);
  }
  Data incidents(Data::type::list);
  std::set<std::string_view> listed;
  auto add_incident = [&](std::string_view id) {
    if (!listed.insert(id).second) return;
    Data item = incident_data(incident_view(c, id));
    const Incident* i = c.incident(id);
    const assess::Footprint* p = c.footprint(id);
    const std::vector<std::string> hosts = i ? i->hosts : p ? p->hosts : std::vector<std::string>{};
    const size_t accounts = i ? i->accounts.size() : p ? p->accounts.size() : 0;
    item.set("confidence_percent", Data(i ? percent_text(i->confidence) : "unknown"));
    item.set("techniques_count", Data(std::to_string(i ? i->techniques.size() : 0)));
    item.set("hosts_count", Data(std::to_string(hosts.size())));
    item.set("hosts", word_list(hosts));
    item.set("accounts_count", Data(std::to_string(accounts)));
    size_t subjects = 0;
    for (const ExposedSubject* s : c.subjects) subjects += s->incident == id ? 1 : 0;
    item.set("subjects_count", Data(std::to_string(subjects)));
    incidents.push_back(item);
  };
  for (const Incident& i : c.findings.incidents) {
    if (behind.contains(i.id)) add_incident(i.id);
  }
  for (const std::string_view id : behind) add_incident(id);  // not in the findings' list
  data.set("incidents", incidents);
  std::vector<std::string> classifications;
  for (const std::string_view id : behind) {
    classifications.push_back(incident_view(c, id).classification);
  }
  data.set("classification", flags(classifications));

  // Subjects by exposure (every level, zeros included) and by category.
  std::map<std::string, std::map<std::string, size_t, std::less<>>, std::less<>> by_category;
  std::map<std::string, size_t, std::less<>> by_exposure;
  std::map<std::string, size_t, std::less<>> by_kind;
  std::vector<std::string> categories;
  std::vector<std::string> data_categories;
  size_t safety_review = 0;
  for (const ExposedSubject* s : c.subjects) {
    ++by_category[s->category][s->exposure];
    ++by_exposure[s->exposure];
    ++by_kind[s->kind];
    categories.push_back(s->category);
    data_categories.insert(data_categories.end(), s->data_categories.begin(),
                           s->data_categories.end());
    safety_review += s->safety_review ? 1 : 0;
  }
  data.set("subjects_total", Data(std::to_string(c.subjects.size())));
  data.set("individuals", Data(std::to_string(by_kind["individual"])));
  data.set("organisations", Data(std::to_string(by_kind["organisation"])));
  data.set("states", Data(std::to_string(by_kind["state"])));
  data.set("safety_review_count", Data(std::to_string(safety_review)));
  data.set("not_exposed_count", Data(std::to_string(c.findings.impact.not_exposed.size())));
  Data exposure_list(Data::type::list);
  for (const std::string_view exposure : kExposures) {
    Data item;
    item.set("exposure", Data(std::string(exposure)));
    const auto found = by_exposure.find(exposure);
    item.set("count", Data(std::to_string(found == by_exposure.end() ? 0 : found->second)));
    exposure_list.push_back(item);
  }
  data.set("by_exposure", exposure_list);
  Data category_list(Data::type::list);
  for (const auto& [category, counts] : by_category) {
    Data item;
    item.set("category", Data(category));
    size_t total = 0;
    for (const std::string_view exposure : kExposures) {
      const auto found = counts.find(exposure);
      const size_t n = found == counts.end() ? 0 : found->second;
      total += n;
      item.set(std::string(exposure), Data(std::to_string(n)));
    }
    item.set("count", Data(std::to_string(total)));
    category_list.push_back(item);
  }
  data.set("by_category", category_list);
  data.set("subject_category", flags(unique_sorted(categories)));

  // Records: the assets reached, and the evidence records cited for them.
  Data assets(Data::type::list);
  std::set<std::pair<std::string_view, uint64_t>> records;
  bool capped = false;
  for (const AssetImpact& asset : c.findings.impact.assets) {
    Data item;
    item.set("id", Data(asset.asset));
    item.set("description", Data(asset.description.empty() ? asset.asset : asset.description));
    item.set("sensitivity", Data(asset.sensitivity));
    std::string actions;
    for (const std::string& action : asset.actions) {
      if (!actions.empty()) actions += ", ";
      actions += action;
    }
    item.set("actions", Data(actions));
    item.set("evidence_count", Data(std::to_string(asset.evidence.size())));
    item.set("subjects_count", Data(std::to_string(asset.subjects.size())));
    item.set("data_categories", word_list(asset.data_categories));
    assets.push_back(item);
    for (const assess::Evidence& e : asset.evidence) records.emplace(e.source, e.record);
    capped = capped || asset.evidence.size() >= limits::kEvidencePerFinding;
    data_categories.insert(data_categories.end(), asset.data_categories.begin(),
                           asset.data_categories.end());
  }
  for (const ExposedSubject* s : c.subjects) {
    for (const assess::Evidence& e : s->evidence) records.emplace(e.source, e.record);
    capped = capped || s->evidence.size() >= limits::kEvidencePerFinding;
  }
  data.set("assets", assets);
  data.set("assets_count", Data(std::to_string(c.findings.impact.assets.size())));
  data.set("evidence_records", Data(std::to_string(records.size())));
  data.set("evidence_capped", Data(capped));
  data_categories = unique_sorted(std::move(data_categories));
  data.set("data_categories", word_list(data_categories));
  data.set("has_data_categories", Data(!data_categories.empty()));
  data.set("data", flags(data_categories));

  Data gaps(Data::type::list);
  for (const assess::CoverageEntry& entry : c.findings.impact.coverage.locations) {
    if (entry.status == "covered") continue;
    Data item;
    item.set("asset", Data(entry.asset));
    item.set("location", Data(entry.location));
    item.set("status", Data(entry.status));
    item.set("gap", Data(entry.gap));
    gaps.push_back(item);
  }
  data.set("has_coverage_gaps", Data(!gaps.is_empty_list()));
  data.set("coverage_gaps", gaps);
  return data;
}

// ---- routing -----------------------------------------------------------------

// The template language for a subject: their tag, else its primary language
// (`pt` for `pt-BR`), else English.
std::string pick_language(const TemplateSet& templates, std::string_view wanted) {
  const std::string tag = lower(wanted);
  if (templates.letters.contains(tag)) return tag;
  const std::string primary = tag.substr(0, tag.find('-'));
  if (templates.letters.contains(primary)) return primary;
  return std::string(kDefaultLanguage);
}

// A subject id as a file name: inventory ids are already safe, but findings
// may come from elsewhere; ':' is kept out for Windows file systems.
std::string file_stem(std::string_view id) {
  std::string out;
  for (const char c : id) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    out.push_back(keep ? c : '_');
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  return out;
}

struct IndexEntry {
  const ExposedSubject* subject;
  std::string route;     // letter | safety_review
  std::string language;  // of the template used
  std::string path;      // relative to notifications/
  bool fell_back = false;
};

void md(std::string& out, std::string_view text) { append_markdown_text(out, text); }

std::string index_markdown(const Context& c, const std::vector<IndexEntry>& entries,
                           bool authority_report) {
  std::string out;
  out += "# Notifications\n\n";
  out += "Written by vigil ";
  md(out, c.findings.vigil_version);
  out += " for ";
  md(out, c.organisation.name);
  out +=
      ". Every exposed subject has one entry. Nothing here has been sent: "
      "the status of each notification is kept in case.db.\n\n";
  if (entries.empty()) {
    out += "No subject is exposed: there is nothing to notify.\n";
    return out;
  }
  if (authority_report) {
    out +=
        "Report to the supervisory authority: `authority_report.md`, "
        "`authority_report.html`.\n\n";
  }
  out += "| Subject | Route | Language | Channel | Exposure | File |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const IndexEntry& e : entries) {
    out += "| ";
    md(out, e.subject->subject_id);
    out += " | ";
    md(out, e.route);
    out += " | ";
    md(out, e.language);
    out += " | ";
    md(out, e.subject->channel);
    out += " | ";
    md(out, e.subject->exposure);
    out += " | ";
    md(out, e.path);
    out += " |\n";
  }
  std::string fallbacks;
  for (const IndexEntry& e : entries) {
    if (!e.fell_back) continue;
    fallbacks += "- ";
    md(fallbacks, e.subject->subject_id);
    fallbacks += ": asked for `";
    md(fallbacks, e.subject->language);
    fallbacks += "`, no template in that language; written in " + e.language + ".\n";
  }
  out += "\n## Language fallbacks\n\n";
  out +=
      fallbacks.empty() ? "None: every subject is written to in their own language.\n" : fallbacks;
  return out;
}

std::string queue_markdown(const std::vector<IndexEntry>& entries) {
  std::string out;
  out += "# Safety review queue\n\n";
  out +=
      "Nobody contacts these subjects before a safety review: the inventory marks them as "
      "people (or bodies) for whom being contacted, or a letter going astray, could put "
      "someone in danger. The drafts beside this file are the letters they would get; the "
      "review decides whether, when and how they are told.\n\n";
  out += "| Subject | Category | Exposure | Incident | Why a review first | Draft |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const IndexEntry& e : entries) {
    if (e.route != "safety_review") continue;
    const ExposedSubject& s = *e.subject;
    out += "| ";
    md(out, s.subject_id);
    out += " | ";
    md(out, s.category);
    out += " | ";
    md(out, s.exposure);
    out += " | ";
    md(out, s.incident);
    out += " | marked safety\\_review in the inventory";
    if (s.category == "protected_witness") out += "; a protected witness";
    if (s.exposure == "exfiltrated") out += "; their data left the organisation";
    if (s.channel == "in_person") out += "; contact is in person only";
    out += " | ";
    md(out, e.path);
    out += " |\n";
  }
  return out;
}

}  // namespace

// ---- public --------------------------------------------------------------------

void append_markdown_text(std::string& out, std::string_view text) {
  // A value that starts like a list item, a thematic break, a heading
  // underline or an ordered list would start a block if a template put it at
  // the beginning of a line: "- x", "---", "===", "+ x", "3. x", "3) x".
  // Line breaks count as blanks: they become spaces.
  auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  auto ends_marker = [&](size_t i) {
    return i >= text.size() || is_blank(text[i]) || text[i] == text[i - 1];
  };
  size_t marker = std::string_view::npos;
  if (!text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == '=') && ends_marker(1)) {
    marker = 0;
  } else {
    size_t digits = 0;
    while (digits < text.size() && digits < 10 && text[digits] >= '0' && text[digits] <= '9') {
      ++digits;
    }
    if (digits > 0 && digits < text.size() && (text[digits] == '.' || text[digits] == ')') &&
        (digits + 1 == text.size() || is_blank(text[digits + 1]))) {
      marker = digits;
    }
  }
  auto is_punctuation = [](char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
  };
  auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x80) {
      const char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (i == marker) {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\t' || c == '\n' || c == '\r') {
        out.push_back(' ');
      } else if (byte < 0x20 || byte == 0x7f) {
        out += "\xEF\xBF\xBD";
      } else if (c == '`' || c == '*' || c == '_' || c == '[' || c == ']' || c == '<' || c == '>' ||
                 c == '|' || c == '#' || c == '~') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\\' && (next == '\0' || is_punctuation(next))) {
        out += "\\\\";
      } else if (c == '&' && (next == '#' || is_alnum(next))) {
        out += "\\&";
      } else {
        out.push_back(c);
      }
      ++i;
      continue;
    }
    const size_t n = text::utf8_sequence(text.substr(i));
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    uint32_t code = byte & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) code = (code << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3f);
    // C1 controls, and the marks that reorder text on screen (a file name
    // that reads backwards).
    const bool hidden = (code >= 0x80 && code <= 0x9f) || code == 0x061c || code == 0x200e ||
                        code == 0x200f || (code >= 0x202a && code <= 0x202e) ||
                        (code >= 0x2066 && code <= 0x2069);
    if (hidden) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
}

Result<Notifications> render_notifications(const Findings& findings,
                                           const Organisation& organisation,
                                           const NotifyOptions& options) {
  auto loaded =
      options.templates.empty() ? bundled_templates() : folder_templates(options.templates);
  if (!loaded) return loaded.take_error();
  const TemplateSet& templates = loaded.value();
  const Context c(findings, organisation, options);

  Notifications result;
  std::vector<IndexEntry> entries;
  std::set<std::string> stems;
  for (const ExposedSubject* s : c.subjects) {
    IndexEntry e;
    e.subject = s;
    e.route = s->safety_review ? "safety_review" : "letter";
    e.language = pick_language(templates, s->language.empty() ? kDefaultLanguage : s->language);
    e.fell_back = !s->language.empty() && lower(s->language) != e.language;
    // Ids that differ only in characters a file name cannot hold still get
    // a file each.
    std::string stem = file_stem(s->subject_id);
    for (int n = 2; !stems.insert(stem).second; ++n) {
      stem = file_stem(s->subject_id) + "-" + std::to_string(n);
    }
    e.path = (s->safety_review ? "safety_review/" : "letters/") + stem + "." + e.language + ".md";
    auto letter = render(templates.letters.find(e.language)->second, letter_data(c, *s, e.language),
                         Output::kMarkdown);
    if (!letter) return letter.take_error();
    result.files.emplace_back(e.path, std::move(letter).value());
    entries.push_back(std::move(e));
  }

  const bool any = !entries.empty();
  if (any) {
    auto data = authority_data(c);
    if (!data) return data.take_error();
    auto markdown = render(templates.authority_markdown, data.value(), Output::kMarkdown);
    if (!markdown) return markdown.take_error();
    auto html = render(templates.authority_html, data.value(), Output::kHtml);
    if (!html) return html.take_error();
    result.files.emplace_back("authority_report.md", std::move(markdown).value());
    result.files.emplace_back("authority_report.html", std::move(html).value());
  }
  if (std::any_of(entries.begin(), entries.end(),
                  [](const IndexEntry& e) { return e.route == "safety_review"; })) {
    result.files.emplace_back("safety_review/queue.md", queue_markdown(entries));
  }
  result.files.emplace_back("index.md", index_markdown(c, entries, any));
  std::sort(result.files.begin(), result.files.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return result;
}

Result<std::string> render_template_text(std::string_view text, TemplateRole role,
                                         const Findings& findings, const Organisation& organisation,
                                         const NotifyOptions& options, size_t subject_index,
                                         std::string_view name) {
  Template t{std::string(name), {}};
  if (text.size() > kMaxTemplateBytes) {
    Error error =
        make_error(Errc::kLimitExceeded,
                   "template larger than " + std::to_string(kMaxTemplateBytes) + " bytes");
    error.source = t.name;
    return error;
  }
  t.text = text;
  if (auto checked = check_template(t); !checked) return checked.error();
  const Context c(findings, organisation, options);
  if (role == TemplateRole::kLetter) {
    if (subject_index >= c.subjects.size()) {
      return make_error(Errc::kNotFound, "no exposed subject number " +
                                             std::to_string(subject_index + 1) + " to write to");
    }
    const ExposedSubject& s = *c.subjects[subject_index];
    const std::string language =
        s.language.empty() ? std::string(kDefaultLanguage) : lower(s.language);
    return render(t, letter_data(c, s, language), Output::kMarkdown);
  }
  auto data = authority_data(c);
  if (!data) return data.take_error();
  return render(t, data.value(),
                role == TemplateRole::kAuthorityHtml ? Output::kHtml : Output::kMarkdown);
}

Result<std::vector<std::string>> write_notifications(const Notifications& notifications,
                                                     const fs::path& dir) {
  std::vector<std::string> written;
  const fs::path root = dir / "notifications";
  for (const auto& [relative, content] : notifications.files) {
    const fs::path name(relative);
    const bool inside =
        !name.empty() && name.is_relative() &&
        std::none_of(name.begin(), name.end(), [](const fs::path& part) { return part == ".."; });
    if (!inside) {
      Error error = make_error(Errc::kInvalidArgument, "a notification path leaves the folder");
      error.source = relative;
      return error;
    }
    const fs::path path = root / name;
    std::error_code code;
    fs::create_directories(path.parent_path(), code);
    if (code) {
      Error error = make_error(Errc::kIoError, "cannot create the folder: " + code.message());
      error.source = path.parent_path().string();
      return error;
    }
    if (auto done = write_file_atomically(path, content); !done) return done.error();
    written.push_back(path.string());
  }
  return written;
}

}  // namespace vigil::report
