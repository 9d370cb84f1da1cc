#include "vigil/read/formats.h"

#include <vector>

// Each reader is listed when its library exists (src/read/CMakeLists.txt
// links every reader folder present); the order is the recognition priority
// when two formats are equally sure: the most specific first.
#if __has_include("vigil/read/auditd/auditd.h")
#include "vigil/read/auditd/auditd.h"
#define VIGIL_READ_AUDITD 1
#endif
#if __has_include("vigil/read/zeek/zeek.h")
#include "vigil/read/zeek/zeek.h"
#define VIGIL_READ_ZEEK 1
#endif
#if __has_include("vigil/read/json/json.h")
#include "vigil/read/json/json.h"
#define VIGIL_READ_JSON 1
#endif
#if __has_include("vigil/read/syslog/syslog.h")
#include "vigil/read/syslog/syslog.h"
#define VIGIL_READ_SYSLOG 1
#endif
#if __has_include("vigil/read/weberror/weberror.h")
#include "vigil/read/weberror/weberror.h"
#define VIGIL_READ_WEBERROR 1
#endif
#if __has_include("vigil/read/web/web.h")
#include "vigil/read/web/web.h"
#define VIGIL_READ_WEB 1
#endif
#if __has_include("vigil/read/csv/csv.h")
#include "vigil/read/csv/csv.h"
#define VIGIL_READ_CSV 1
#endif

namespace vigil::read {

namespace {
std::vector<const Format*> make_list() {
  std::vector<const Format*> list;
#ifdef VIGIL_READ_AUDITD
  list.push_back(&auditd_format());
#endif
#ifdef VIGIL_READ_ZEEK
  list.push_back(&zeek_format());
#endif
#ifdef VIGIL_READ_JSON
  list.push_back(&audit_trail_format());
  list.push_back(&json_format());
#endif
#ifdef VIGIL_READ_SYSLOG
  list.push_back(&syslog_format());
#endif
#ifdef VIGIL_READ_WEBERROR
  list.push_back(&apache_error_format());
  list.push_back(&nginx_error_format());
#endif
#ifdef VIGIL_READ_WEB
  list.push_back(&squid_format());
  list.push_back(&web_format());
#endif
#ifdef VIGIL_READ_CSV
  list.push_back(&csv_format());
#endif
  return list;
}
}  // namespace

std::span<const Format* const> formats() {
  static const std::vector<const Format*> kFormats = make_list();
  return kFormats;
}

const Format* find_format(std::string_view name) {
  for (const Format* f : formats()) {
    if (f->name() == name) return f;
  }
  return nullptr;
}

}  // namespace vigil::read
