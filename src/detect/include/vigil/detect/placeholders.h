#pragma once
// Values for `expand` placeholders, from a user configuration file: a YAML map
// from placeholder name to a value or a list of values, e.g.
//
//   Administrators: ['admin*', 'root']
//   '%DomainControllers%': 'dc-*'
//
// Names may be written with or without the surrounding '%'. Values are Sigma
// strings: `*` and `?` are wildcards, `\` escapes them.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::detect {

class Placeholders {
 public:
  static Result<Placeholders> parse(std::string_view yaml, std::string_view origin);
  static Result<Placeholders> load(const std::string& path);
  // The same, handing back the file's bytes (callers that key a cache on
  // them need not read the file twice).
  static Result<Placeholders> load(const std::string& path, std::string& text);

  void set(std::string_view name, std::vector<std::string> values);
  // Exact name first, then a case-insensitive match (rules spell the same
  // placeholder differently); nullptr when unknown.
  const std::vector<std::string>* find(std::string_view name) const;
  size_t size() const { return values_.size(); }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

}  // namespace vigil::detect
