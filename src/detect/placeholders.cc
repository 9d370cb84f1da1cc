#include "vigil/detect/placeholders.h"

#include <yaml-cpp/yaml.h>

#include "vigil/core/input.h"
#include "vigil/core/limits.h"

namespace vigil::detect {

namespace {

std::string bare_name(std::string_view name) {
  if (name.size() >= 2 && name.front() == '%' && name.back() == '%') {
    name = name.substr(1, name.size() - 2);
  }
  return std::string(name);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

Error config_error(std::string_view origin, int line, std::string message) {
  Error e = make_error(Errc::kInvalidArgument, std::move(message));
  e.source = std::string(origin);
  if (line >= 0) e.offset = static_cast<uint64_t>(line) + 1;
  return e;
}

}  // namespace

Result<Placeholders> Placeholders::parse(std::string_view yaml, std::string_view origin) {
  Placeholders out;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return out;
    if (!root.IsMap()) {
      return config_error(origin, root.Mark().line,
                          "a placeholder file is a map from placeholder name to values");
    }
    for (const auto& kv : root) {
      if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
        return config_error(origin, kv.first.Mark().line, "a placeholder name must be a string");
      }
      std::vector<std::string> values;
      if (kv.second.IsScalar()) {
        values.push_back(kv.second.Scalar());
      } else if (kv.second.IsSequence()) {
        for (const YAML::Node& v : kv.second) {
          if (!v.IsScalar()) {
            return config_error(origin, v.Mark().line,
                                "placeholder '" + kv.first.Scalar() + "': values must be strings");
          }
          values.push_back(v.Scalar());
        }
      } else {
        return config_error(origin, kv.first.Mark().line,
                            "placeholder '" + kv.first.Scalar() +
                                "' needs a value or a list of values");
      }
      if (values.empty()) {
        return config_error(origin, kv.first.Mark().line,
                            "placeholder '" + kv.first.Scalar() + "' has no values");
      }
      if (values.size() > limits::kSigmaMaxAlternatives) {
        return config_error(origin, kv.first.Mark().line,
                            "placeholder '" + kv.first.Scalar() + "' has more than " +
                                std::to_string(limits::kSigmaMaxAlternatives) + " values");
      }
      out.set(kv.first.Scalar(), std::move(values));
    }
  } catch (const YAML::Exception& e) {
    return config_error(origin, e.mark.line, "YAML: " + e.msg);
  }
  return out;
}

Result<Placeholders> Placeholders::load(const std::string& path) {
  std::string text;
  return load(path, text);
}

Result<Placeholders> Placeholders::load(const std::string& path, std::string& text) {
  auto read = read_file(path, limits::kSigmaMaxFileBytes);
  if (!read.ok()) {
    if (read.error().code == Errc::kLimitExceeded) {
      return config_error(path, -1, "the placeholder file is larger than the rule file limit");
    }
    Error e = read.error();
    if (e.source.empty()) e.source = path;
    return e;
  }
  text = std::move(read.value());
  return parse(text, path);
}

void Placeholders::set(std::string_view name, std::vector<std::string> values) {
  values_[bare_name(name)] = std::move(values);
}

const std::vector<std::string>* Placeholders::find(std::string_view name) const {
  const std::string bare = bare_name(name);
  auto it = values_.find(bare);
  if (it != values_.end()) return &it->second;
  for (const auto& [key, values] : values_) {
    if (iequals(key, bare)) return &values;
  }
  return nullptr;
}

}  // namespace vigil::detect
