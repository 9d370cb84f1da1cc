#include "vigil/detect/logsource.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "builtin_mappings.h"
#include "vigil/core/limits.h"

namespace vigil::detect {

namespace {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

LogsourceKey lowered(const LogsourceKey& key) {
  return {ascii_lower(key.product), ascii_lower(key.category), ascii_lower(key.service)};
}

bool same_key(const LogsourceKey& a, const LogsourceKey& b) {
  return a.product == b.product && a.category == b.category && a.service == b.service;
}

// Errors name the file and the 1-based line (as offset, and in the message
// with the column, since Error::to_string prints offsets as byte offsets).
Error mapping_error(std::string_view origin, const YAML::Mark& mark, const std::string& what) {
  Error error;
  error.code = Errc::kInvalidArgument;
  error.source = std::string(origin);
  if (mark.line >= 0) {
    error.offset = static_cast<uint64_t>(mark.line) + 1;
    error.message = "line " + std::to_string(mark.line + 1) + ", column " +
                    std::to_string(mark.column + 1) + ": " + what;
  } else {
    error.message = what;
  }
  return error;
}

// Walks the YAML tree of one mapping file. yaml-cpp throws; everything it
// throws is caught in parse() and turned into an Error with the file's line.
class Reader {
 public:
  explicit Reader(std::string_view origin) : origin_(origin) {}

  Result<std::vector<LogsourceMapping::Entry>> read(const YAML::Node& root);

 private:
  Error error_at(const YAML::Node& node, const std::string& what) const {
    return mapping_error(origin_, node.Mark(), what);
  }

  Result<void> read_entry(const YAML::Node& node, LogsourceMapping::Entry& entry);
  Result<void> read_variant(const YAML::Node& node, SourceVariant& variant);
  Result<std::string> scalar(const YAML::Node& node, const char* what) const;
  Result<std::vector<std::string>> scalar_list(const YAML::Node& node, const char* what,
                                               bool allow_empty) const;

  std::string origin_;
};

Result<std::string> Reader::scalar(const YAML::Node& node, const char* what) const {
  if (!node.IsScalar()) {
    return error_at(node, std::string(what) + " must be a single value");
  }
  return node.Scalar();
}

Result<std::vector<std::string>> Reader::scalar_list(const YAML::Node& node, const char* what,
                                                     bool allow_empty) const {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    return error_at(node, std::string(what) + " must be a value or a list of values");
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      return error_at(item, std::string(what) + " must list single values");
    }
    out.push_back(item.Scalar());
  }
  if (out.empty() && !allow_empty) {
    return error_at(node, std::string(what) + " must not be empty");
  }
  return out;
}

Result<void> Reader::read_variant(const YAML::Node& node, SourceVariant& variant) {
  if (!node.IsMap()) return error_at(node, "a variant must be a map");
  variant.origin = origin_;
  variant.line = static_cast<uint64_t>(std::max(node.Mark().line, 0)) + 1;
  bool has_name = false;
  bool has_conditions = false;
  for (const auto& item : node) {
    auto key = scalar(item.first, "a variant key");
    if (!key) return key.error();
    const YAML::Node& value = item.second;
    if (*key == "name") {
      auto name = scalar(value, "name");
      if (!name) return name.error();
      if (name->empty()) return error_at(value, "name must not be empty");
      variant.name = std::move(*name);
      has_name = true;
    } else if (*key == "note") {
      auto note = scalar(value, "note");
      if (!note) return note.error();
      variant.note = std::move(*note);
    } else if (*key == "conditions") {
      if (!value.IsMap() || value.size() == 0) {
        return error_at(value, "conditions must be a non-empty map of field: value(s)");
      }
      for (const auto& condition : value) {
        auto field = scalar(condition.first, "a condition field");
        if (!field) return field.error();
        if (field->empty()) return error_at(condition.first, "empty condition field name");
        for (const auto& [seen, values] : variant.conditions) {
          if (seen == *field) {
            return error_at(condition.first, "condition on '" + *field + "' given twice");
          }
        }
        // yaml-cpp places an empty value on the next line; the key's line is
        // where the mistake is.
        if (condition.second.IsNull()) {
          return error_at(condition.first, "condition on '" + *field + "' has no value");
        }
        auto values = scalar_list(condition.second, "a condition", false);
        if (!values) return values.error();
        variant.conditions.emplace_back(std::move(*field), std::move(*values));
      }
      has_conditions = true;
    } else if (*key == "renames") {
      if (!value.IsMap()) {
        return error_at(value, "renames must be a map of Sigma field: event field");
      }
      for (const auto& rename : value) {
        auto from = scalar(rename.first, "a renamed Sigma field");
        if (!from) return from.error();
        auto to = scalar(rename.second, "an event field name");
        if (!to) return to.error();
        if (from->empty() || to->empty()) return error_at(rename.first, "empty field name");
        for (const auto& [seen, target] : variant.renames) {
          if (seen == *from) return error_at(rename.first, "'" + *from + "' renamed twice");
        }
        variant.renames.emplace_back(std::move(*from), std::move(*to));
      }
    } else if (*key == "fields") {
      if (!value.IsSequence()) return error_at(value, "fields must be a list of Sigma fields");
      auto fields = scalar_list(value, "fields", true);
      if (!fields) return fields.error();
      variant.fields = std::move(*fields);
    } else {
      return error_at(item.first, "unknown variant key '" + *key +
                                      "' (expected name, conditions, renames, fields, note)");
    }
  }
  if (!has_name) return error_at(node, "a variant needs a name");
  // A variant without conditions would take in every event of every format.
  if (!has_conditions) return error_at(node, "variant '" + variant.name + "' has no conditions");
  if (variant.fields) {
    for (const auto& [from, to] : variant.renames) {
      if (!variant.has_field(from)) {
        return error_at(node, "variant '" + variant.name + "' renames '" + from +
                                  "', which is not among its fields");
      }
    }
  }
  return {};
}

Result<void> Reader::read_entry(const YAML::Node& node, LogsourceMapping::Entry& entry) {
  if (!node.IsMap()) return error_at(node, "a logsource entry must be a map");
  entry.origin = origin_;
  entry.line = static_cast<uint64_t>(std::max(node.Mark().line, 0)) + 1;
  YAML::Node variants;
  bool has_variants = false;
  for (const auto& item : node) {
    auto key = scalar(item.first, "an entry key");
    if (!key) return key.error();
    const YAML::Node& value = item.second;
    if (*key == "product" || *key == "category" || *key == "service") {
      auto text = scalar(value, key->c_str());
      if (!text) return text.error();
      std::string& part = *key == "product"    ? entry.key.product
                          : *key == "category" ? entry.key.category
                                               : entry.key.service;
      part = ascii_lower(*text);
    } else if (*key == "variants") {
      if (!value.IsSequence()) return error_at(value, "variants must be a list");
      variants = value;
      has_variants = true;
    } else if (*key == "note") {
      auto note = scalar(value, "note");
      if (!note) return note.error();
      entry.note = std::move(*note);
    } else if (*key == "replace") {
      auto flag = scalar(value, "replace");
      if (!flag) return flag.error();
      const std::string lower = ascii_lower(*flag);
      if (lower != "true" && lower != "false") {
        return error_at(value, "replace must be true or false");
      }
      entry.replace = lower == "true";
    } else if (*key == "remove") {
      auto names = scalar_list(value, "remove", false);
      if (!names) return names.error();
      entry.removed = std::move(*names);
    } else {
      return error_at(item.first,
                      "unknown entry key '" + *key +
                          "' (expected product, category, service, variants, replace, remove, "
                          "note)");
    }
  }
  if (entry.key.product.empty() && entry.key.category.empty() && entry.key.service.empty()) {
    return error_at(node, "an entry needs a product, a category or a service");
  }
  if (has_variants) {
    for (const YAML::Node& variant_node : variants) {
      SourceVariant variant;
      auto ok = read_variant(variant_node, variant);
      if (!ok) return ok.error();
      for (const SourceVariant& seen : entry.variants) {
        if (seen.name == variant.name) {
          return error_at(variant_node, "variant name '" + variant.name + "' used twice in " +
                                            entry.key.to_string());
        }
      }
      if (std::find(entry.removed.begin(), entry.removed.end(), variant.name) !=
          entry.removed.end()) {
        return error_at(variant_node, "variant '" + variant.name + "' is both removed and defined");
      }
      entry.variants.push_back(std::move(variant));
    }
  }
  if (entry.variants.empty() && !entry.replace && entry.removed.empty()) {
    return error_at(node, entry.key.to_string() +
                              " has no variants (an override that unmaps it says replace: true)");
  }
  return {};
}

Result<std::vector<LogsourceMapping::Entry>> Reader::read(const YAML::Node& root) {
  std::vector<LogsourceMapping::Entry> entries;
  if (!root || root.IsNull()) return entries;
  if (!root.IsMap()) return error_at(root, "a mapping file must be a map with 'logsources'");
  YAML::Node list;
  bool has_list = false;
  for (const auto& item : root) {
    auto key = scalar(item.first, "a top-level key");
    if (!key) return key.error();
    if (*key == "version") {
      auto version = scalar(item.second, "version");
      if (!version) return version.error();
      if (*version != "1") return error_at(item.second, "unsupported version '" + *version + "'");
    } else if (*key == "logsources") {
      if (!item.second.IsSequence() && !item.second.IsNull()) {
        return error_at(item.second, "logsources must be a list");
      }
      list = item.second;
      has_list = true;
    } else {
      return error_at(item.first,
                      "unknown top-level key '" + *key + "' (expected version, logsources)");
    }
  }
  if (!has_list) return error_at(root, "missing 'logsources'");
  for (const YAML::Node& node : list) {
    LogsourceMapping::Entry parsed;
    auto ok = read_entry(node, parsed);
    if (!ok) return ok.error();
    for (const LogsourceMapping::Entry& seen : entries) {
      if (same_key(seen.key, parsed.key)) {
        return error_at(node, parsed.key.to_string() + " is already defined at line " +
                                  std::to_string(seen.line));
      }
    }
    entries.push_back(std::move(parsed));
  }
  return entries;
}

}  // namespace

std::string LogsourceKey::to_string() const {
  auto part = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
  return part(product) + "/" + part(category) + "/" + part(service);
}

std::string_view SourceVariant::event_field(std::string_view sigma_field) const {
  for (const auto& [from, to] : renames) {
    if (from == sigma_field) return to;
  }
  return sigma_field;
}

bool SourceVariant::has_field(std::string_view sigma_field) const {
  if (!fields) return true;
  return std::find(fields->begin(), fields->end(), sigma_field) != fields->end();
}

Result<LogsourceMapping> LogsourceMapping::parse(std::string_view yaml, std::string_view origin) {
  Reader reader(origin);
  if (yaml.size() > limits::kSigmaMaxFileBytes) {
    Error error =
        make_error(Errc::kLimitExceeded, "mapping file larger than " +
                                             std::to_string(limits::kSigmaMaxFileBytes) + " bytes");
    error.source = std::string(origin);
    return error;
  }
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.size() > 1) {
      return mapping_error(origin, documents[1].Mark(), "a mapping file holds one YAML document");
    }
    auto entries = reader.read(documents.empty() ? YAML::Node() : documents.front());
    if (!entries) return entries.take_error();
    LogsourceMapping mapping;
    mapping.entries_ = std::move(*entries);
    return mapping;
  } catch (const YAML::Exception& e) {
    return mapping_error(origin, e.mark, e.msg);
  }
}

Result<LogsourceMapping> LogsourceMapping::parse_builtin() {
  LogsourceMapping all;
  for (size_t i = 0; i < builtin_mappings::count(); ++i) {
    const std::string origin = "builtin:" + std::string(builtin_mappings::name(i));
    auto part = parse(builtin_mappings::text(i), origin);
    if (!part) return part.take_error();
    for (Entry& entry : part->entries_) {
      Error error = make_error(Errc::kInvalidArgument, "", entry.line);
      error.source = origin;
      if (entry.replace || !entry.removed.empty()) {
        error.message = "line " + std::to_string(entry.line) + ": " + entry.key.to_string() +
                        ": replace and remove are for override files";
        return error;
      }
      if (const Entry* seen = all.find(entry.key)) {
        error.message = "line " + std::to_string(entry.line) + ": " + entry.key.to_string() +
                        " is already defined in " + seen->origin + " line " +
                        std::to_string(seen->line);
        return error;
      }
      all.entries_.push_back(std::move(entry));
    }
  }
  return all;
}

const LogsourceMapping& LogsourceMapping::builtin() {
  static const LogsourceMapping mapping = [] {
    auto parsed = parse_builtin();
    return parsed.ok() ? std::move(parsed).value() : LogsourceMapping{};
  }();
  return mapping;
}

void LogsourceMapping::merge(const LogsourceMapping& overrides) {
  for (const Entry& over : overrides.entries_) {
    Entry* base = find_mutable(over.key);
    if (base == nullptr) {
      Entry added = over;
      added.replace = false;
      added.removed.clear();
      entries_.push_back(std::move(added));
      continue;
    }
    if (!over.note.empty()) base->note = over.note;
    if (over.replace) {
      base->variants = over.variants;
      base->origin = over.origin;
      base->line = over.line;
      continue;
    }
    std::erase_if(base->variants, [&](const SourceVariant& variant) {
      return std::find(over.removed.begin(), over.removed.end(), variant.name) !=
             over.removed.end();
    });
    for (const SourceVariant& variant : over.variants) {
      auto same_name = std::find_if(base->variants.begin(), base->variants.end(),
                                    [&](const SourceVariant& v) { return v.name == variant.name; });
      if (same_name != base->variants.end()) {
        *same_name = variant;
      } else {
        base->variants.push_back(variant);
      }
    }
  }
}

const LogsourceMapping::Entry* LogsourceMapping::find(const LogsourceKey& key) const {
  const LogsourceKey wanted = lowered(key);
  for (const Entry& entry : entries_) {
    if (same_key(entry.key, wanted)) return &entry;
  }
  return nullptr;
}

LogsourceMapping::Entry* LogsourceMapping::find_mutable(const LogsourceKey& key) {
  return const_cast<Entry*>(std::as_const(*this).find(key));
}

std::vector<const SourceVariant*> LogsourceMapping::resolve(const LogsourceKey& key) const {
  std::vector<const SourceVariant*> out;
  if (const Entry* entry = find(key)) {
    out.reserve(entry->variants.size());
    for (const SourceVariant& variant : entry->variants) out.push_back(&variant);
  }
  return out;
}

}  // namespace vigil::detect
