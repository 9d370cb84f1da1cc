#include "vigil/read/syslog/syslog.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>
#include <unordered_map>

#include "extract.h"
#include "header.h"
#include "vigil/core/limits.h"
#include "vigil/read/text/lines.h"
#include "vigil/core/utf.h"

namespace vigil::read {

namespace {

using syslog_detail::FieldIds;
using syslog_detail::Header;
using syslog_detail::TimeKind;

constexpr int64_t kSecondsPerDay = 86400;
constexpr std::string_view kSourceFormat = "syslog";

constexpr std::string_view kFacilities[24] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",          "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console",    "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6",       "local7"};
constexpr std::string_view kSeverities[8] = {"emerg",  "alert", "crit", "err",
                                             "warning", "notice", "info", "debug"};

// What every block of a file shares: how RFC 3164 lines, which have no year,
// get one.
class SyslogContext final : public FileContext {
 public:
  int reference_year = 1970;
  bool year_given = false;  // --year: every yearless line is in reference_year
  // A yearless line that would fall after this instant in the reference year
  // was written the year before (the file's modification time plus a day of
  // slack for clocks and zones).
  int64_t latest_seconds = std::numeric_limits<int64_t>::max();
};

int64_t civil_seconds(int year, const Header& h) {
  return days_from_civil(year, h.month, h.day) * kSecondsPerDay + h.hour * 3600 + h.minute * 60 +
         h.second;
}

class SyslogParser final : public BlockParser {
 public:
  SyslogParser(std::shared_ptr<const SyslogContext> context, FieldNames& names)
      : context_(std::move(context)), names_(names), ids_(names) {
    event_.reserve_more(32);
  }

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    // The name cap counts per block, not per parser: which blocks a worker
    // parses depends on the thread count, and output must not.
    sd_fields_.clear();
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t no, uint64_t off) {
      parse_line(line, no, off, input, sink);
    });
  }

 private:
  void parse_line(std::string_view line, uint64_t no, uint64_t offset, uint32_t input,
                  EventSink& sink) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;  // blank
    event_.clear();
    bool repaired = false;
    if (!is_ascii(line)) line = valid_utf8_or_repaired(line, event_, repaired);
    Header& h = header_;
    const char* reason = nullptr;
    if (!syslog_detail::parse_header(line, h, reason)) {
      sink.on_issue({no, offset, reason});
      return;
    }
    if (!set_time(h, reason)) {
      sink.on_issue({no, offset, reason});
      return;
    }
    if (repaired) sink.on_issue({no, offset, "invalid UTF-8 replaced by U+FFFD"});
    event_.source = {input, no, offset, false};
    add_text(event_, ids_.source_format, kSourceFormat);
    if (!h.host.empty()) add_text(event_, ids_.computer, h.host);
    if (!h.program.empty()) add_text(event_, ids_.program, h.program);
    if (!h.pid.empty()) add_text(event_, ids_.pid, h.pid);
    if (h.pri >= 0) {
      add_text(event_, ids_.facility, kFacilities[h.pri >> 3]);
      add_text(event_, ids_.severity, kSeverities[h.pri & 7]);
    }
    if (!h.msgid.empty()) add_text(event_, ids_.msgid, h.msgid);
    if (h.structured_data_malformed) {
      sink.on_issue({no, offset, "RFC 5424 structured data is malformed; kept in the message"});
    } else if (!h.structured_data.empty()) {
      add_structured_data(h.structured_data, no, offset, sink);
    }
    if (!h.pam_module.empty()) add_text(event_, ids_.pam_module, h.pam_module);
    add_text(event_, ids_.message, h.message);
    syslog_detail::extract_message(ids_, h.program, h.pam_module, h.message, event_);
    sink.on_event(event_);
  }

  bool set_time(const Header& h, const char*& reason) {
    if (h.time_kind != TimeKind::kClassic) {
      event_.timestamp = h.time;  // unset for RFC 5424's "-"
      return true;
    }
    const SyslogContext& c = *context_;
    int64_t seconds = 0;
    if (h.year != 0 || c.year_given) {
      const int year = h.year != 0 ? h.year : c.reference_year;
      if (h.day > syslog_detail::days_in_month(year, h.month)) {
        reason = "no such date in the year of the line";
        return false;
      }
      seconds = civil_seconds(year, h);
    } else {
      // The reference year, or the year before when the line would be later
      // than the file's modification time; February 29 goes back to the
      // latest leap year (a leap year is at most eight years back).
      bool found = false;
      for (int year = c.reference_year; year > c.reference_year - 9; --year) {
        if (h.day > syslog_detail::days_in_month(year, h.month)) continue;
        seconds = civil_seconds(year, h);
        found = true;
        if (seconds <= c.latest_seconds) break;
      }
      if (!found) {
        reason = "no such date (day out of range for the month)";
        return false;
      }
    }
    event_.timestamp = Timestamp{seconds * Timestamp::kTicksPerSecond + h.fraction_ticks};
    return true;
  }

  // "[id k="v" k2="v2"][id2 ...]": the whole text, and each parameter as the
  // field "id.k".
  void add_structured_data(std::string_view sd, uint64_t no, uint64_t offset, EventSink& sink) {
    add_text(event_, ids_.structured_data, sd);
    bool too_many_fields = false, too_many_names = false;
    syslog_detail::walk_structured_data(
        sd, 0, [&](std::string_view id, std::string_view name, std::string_view value) {
          if (event_.size() >= limits::kTextMaxFieldsPerEvent) {
            too_many_fields = true;
            return;
          }
          const FieldId field = sd_field(id, name);
          if (field == kNoField) {
            too_many_names = true;
            return;
          }
          if (value.find('\\') != std::string_view::npos) value = unescape(value);
          add_text(event_, field, value);
        });
    if (too_many_fields) {
      sink.on_issue({no, offset,
                     "more than " + std::to_string(limits::kTextMaxFieldsPerEvent) +
                         " fields; the rest of the structured data is only in structured_data"});
    }
    if (too_many_names) {
      sink.on_issue({no, offset,
                     "more than " + std::to_string(limits::kJsonMaxFieldNamesPerBlock) +
                         " distinct structured data names in one block; parameters with new names are only "
                         "in structured_data"});
    }
  }

  // RFC 5424 escapes '"', '\' and ']' with a backslash; other backslashes stay.
  std::string_view unescape(std::string_view value) {
    scratch_.clear();
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size() &&
          (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == ']')) {
        ++i;
      }
      scratch_.push_back(value[i]);
    }
    return event_.store(scratch_);
  }

  FieldId sd_field(std::string_view id, std::string_view name) {
    scratch_name_.assign(id);
    scratch_name_.push_back('.');
    scratch_name_.append(name);
    auto it = sd_fields_.find(scratch_name_);
    if (it != sd_fields_.end()) return it->second;
    // Endless distinct names would grow the run's name table without bound;
    // generic JSON keys have the same bound.
    if (sd_fields_.size() >= limits::kJsonMaxFieldNamesPerBlock) return kNoField;
    const FieldId field = names_.intern(scratch_name_);
    sd_fields_.emplace(scratch_name_, field);
    return field;
  }

  std::shared_ptr<const SyslogContext> context_;
  FieldNames& names_;
  FieldIds ids_;
  Event event_;
  Header header_;
  std::string scratch_;
  std::string scratch_name_;
  std::unordered_map<std::string, FieldId> sd_fields_;
};

// Names under which Linux distributions keep syslog files, rotated or not.
bool syslog_file_name(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view base : {"auth.log", "secure", "messages", "syslog", "kern.log",
                                "daemon.log", "user.log", "cron", "maillog", "mail.log"}) {
    if (name.starts_with(base) &&
        (name.size() == base.size() || name[base.size()] == '.' || name[base.size()] == '-')) {
      return true;
    }
  }
  return false;
}

class SyslogFormat final : public Format {
 public:
  std::string_view name() const override { return kSourceFormat; }

  int sniff(std::string_view head, std::string_view path) const override {
    constexpr size_t kMaxLines = 200;
    size_t lines = 0, syslog_lines = 0, audit_lines = 0;
    Header h;
    size_t pos = 0;
    while (pos < head.size() && lines < kMaxLines) {
      size_t end = head.find('\n', pos);
      if (end == std::string_view::npos) end = head.size();
      std::string_view line = head.substr(pos, end - pos);
      pos = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      ++lines;
      const char* reason = nullptr;
      // Recognition wants a tag as well as a time: other logs start with
      // times too, few of them with "host program[pid]:" after it.
      if (!syslog_detail::parse_header(line, h, reason)) continue;
      if (!h.rfc5424 && h.program.empty()) continue;
      ++syslog_lines;
      if (h.message.find("msg=audit(") != std::string_view::npos) ++audit_lines;
    }
    if (syslog_lines == 0) return 0;
    int score = syslog_lines * 10 >= lines * 9   ? 90
                : syslog_lines * 10 >= lines * 6 ? 75
                : syslog_lines * 10 >= lines * 3 ? 40
                                                 : 10;
    if (syslog_file_name(path)) score += 5;
    // auditd records relayed through syslog: the auditd reader knows them better.
    if (audit_lines * 2 > syslog_lines) score = std::min(score, 50);
    return score;
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view, const FileFacts& facts,
                                                  const ReadOptions& options,
                                                  FieldNames&) const override {
    auto context = std::make_shared<SyslogContext>();
    if (options.year) {
      if (*options.year < 1 || *options.year > 9999) {
        return make_error(Errc::kInvalidArgument,
                          "--year " + std::to_string(*options.year) + " is not a year (1 to 9999)");
      }
      context->reference_year = *options.year;
      context->year_given = true;
    } else {
      const int64_t reference =
          facts.mtime_seconds > 0 ? facts.mtime_seconds : static_cast<int64_t>(std::time(nullptr));
      context->reference_year = static_cast<int>(to_civil(Timestamp::from_unix_seconds(reference)).year);
      context->latest_seconds = reference + kSecondsPerDay;
    }
    return std::shared_ptr<const FileContext>(std::move(context));
  }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                      FieldNames& names) const override {
    return std::make_unique<SyslogParser>(
        std::static_pointer_cast<const SyslogContext>(std::move(context)), names);
  }
};

}  // namespace

const Format& syslog_format() {
  static const SyslogFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
