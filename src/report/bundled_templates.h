#pragma once
// The notification templates compiled into the library (templates/notify,
// embedded at build time by embed_templates.cmake). Private to vigil_notify.

#include <cstddef>
#include <span>

namespace vigil::report::bundled {

struct BundledFile {
  const char* path;  // relative to templates/notify, '/' separated: "en/letter.md.mustache"
  const unsigned char* bytes;
  size_t size;
};

// Sorted by path.
std::span<const BundledFile> files();

}  // namespace vigil::report::bundled
