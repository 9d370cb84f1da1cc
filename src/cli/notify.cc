// `vigil notify`: where each exposed subject's notification stands, from the
// case.db of a `vigil investigate --inventory` run (docs/findings.md).
//
//   vigil notify list --case DIR [--status S] [--format table|csv|jsonl]
//   vigil notify mark --case DIR SUBJECT_ID... --status S --by NAME [--at T] [--note TEXT]
//
// mark changes case.db in one transaction (every subject or none), then
// redraws the notifications section of DIR/report.html, leaving the rest of
// the page as it was.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "exit_codes.h"
#include "vigil/core/timestamp.h"
#include "vigil/report/html_report.h"
#include "vigil/store/case_db.h"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;

struct NotifyListOptions {
  std::string case_dir;
  std::string status;
  std::string format = "table";
};

struct NotifyMarkOptions {
  std::string case_dir;
  std::vector<std::string> subjects;
  std::string status;
  std::string by;
  std::string at;
  std::string note;
};

void print_error(const Error& error) {
  std::fprintf(stderr, "vigil: notify: %s\n", error.to_string().c_str());
}

// The case.db of a case folder, or nothing (and a message) when it has none.
bool find_case_db(const std::string& case_dir, fs::path& db) {
  db = fs::path(case_dir) / "case.db";
  std::error_code code;
  if (fs::is_regular_file(db, code)) return true;
  std::fprintf(stderr, "vigil: notify: %s: no case.db (run vigil investigate --out %s first)\n",
               case_dir.c_str(), case_dir.c_str());
  return false;
}

// A refused change is a bad request; anything else is the case folder.
int exit_code_for(const Error& error) {
  return error.code == Errc::kInvalidArgument || error.code == Errc::kNotFound ? kExitUsage
                                                                               : kExitInput;
}

// One line per row in a terminal: control characters become spaces.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? ' ' : c);
  }
  return out;
}

// Characters as a terminal shows them (UTF-8 continuation bytes do not count).
size_t display_width(std::string_view text) {
  size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return width;
}

void append_csv(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (const char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

constexpr const char* kColumns[] = {"subject", "route", "exposure", "language", "channel",
                                    "status",  "by",    "at",       "note"};

std::vector<std::string> columns_of(const store::NotificationEntry& entry) {
  const assess::NotificationStatus& s = entry.current;
  return {s.subject_id, s.route, entry.exposure, entry.language, entry.channel,
          s.status,     s.by,    s.at,           s.note};
}

int run_list(const NotifyListOptions& opt) {
  fs::path db;
  if (!find_case_db(opt.case_dir, db)) return kExitInput;
  auto entries = store::list_notifications(db);
  if (!entries.ok()) {
    print_error(entries.error());
    return kExitInput;
  }
  std::vector<std::vector<std::string>> rows;
  for (const store::NotificationEntry& entry : *entries) {
    if (!opt.status.empty() && entry.current.status != opt.status) continue;
    rows.push_back(columns_of(entry));
  }

  std::string out;
  if (opt.format == "jsonl") {
    for (const auto& row : rows) {
      nlohmann::ordered_json line;
      for (size_t i = 0; i < row.size(); ++i) line[kColumns[i]] = row[i];
      out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out.push_back('\n');
    }
  } else if (opt.format == "csv") {
    for (size_t i = 0; i < std::size(kColumns); ++i) {
      if (i > 0) out.push_back(',');
      out += kColumns[i];
    }
    out += "\r\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_csv(out, row[i]);
      }
      out += "\r\n";
    }
  } else {
    std::vector<std::string> header(std::begin(kColumns), std::end(kColumns));
    for (std::string& name : header) {
      for (char& c : name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    for (auto& row : rows) {
      for (std::string& value : row) value = one_line(value.empty() ? "-" : value);
    }
    std::vector<size_t> widths(header.size());
    for (size_t i = 0; i < header.size(); ++i) widths[i] = display_width(header[i]);
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        widths[i] = std::max(widths[i], display_width(row[i]));
      }
    }
    auto print_row = [&](const std::vector<std::string>& row) {
      for (size_t i = 0; i < row.size(); ++i) {
        out += row[i];
        if (i + 1 < row.size()) out.append(widths[i] - display_width(row[i]) + 2, ' ');
      }
      out.push_back('\n');
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

// Now, UTC, to the second: what --at means when it is not given.
std::string now_rfc3339() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  return to_rfc3339(Timestamp{static_cast<int64_t>(seconds) * Timestamp::kTicksPerSecond}, 0);
}

int run_mark(const NotifyMarkOptions& opt) {
  fs::path db;
  if (!find_case_db(opt.case_dir, db)) return kExitInput;
  const std::string at = opt.at.empty() ? now_rfc3339() : opt.at;
  auto marked = store::mark_notifications(db, opt.subjects, opt.status, opt.by, at, opt.note);
  if (!marked.ok()) {
    print_error(marked.error());
    return exit_code_for(marked.error());
  }
  for (const assess::NotificationStatus& status : *marked) {
    std::printf("%s %s\n", one_line(status.subject_id).c_str(), status.status.c_str());
  }

  // The case.db change stands whatever happens to the page: the report is
  // a view of it, redrawn by the next mark or investigate.
  const fs::path report = fs::path(opt.case_dir) / "report.html";
  std::error_code code;
  if (!fs::exists(report, code)) return kExitOk;
  auto statuses = store::read_notification_status(db);
  if (!statuses.ok()) {
    print_error(statuses.error());
    std::fprintf(stderr, "vigil: notify: %s not updated\n", report.c_str());
    return kExitOk;
  }
  if (auto rewritten = report::rewrite_notifications_section(report, *statuses); !rewritten.ok()) {
    print_error(rewritten.error());
    std::fprintf(stderr,
                 "vigil: notify: %s not updated (vigil investigate writes it again); case.db "
                 "holds the change\n",
                 report.c_str());
  }
  return kExitOk;
}

}  // namespace

void register_notify(CLI::App& app, int& rc) {
  CLI::App* cmd = app.add_subcommand(
      "notify", "Follow the notifications of exposed subjects in a case folder (case.db)");
  cmd->require_subcommand(1);

  auto list = std::make_shared<NotifyListOptions>();
  CLI::App* list_cmd = cmd->add_subcommand(
      "list",
      "Print every notification: subject, route, exposure, language, channel, status, "
      "by, at, note");
  list_cmd->add_option("--case", list->case_dir, "Case folder (vigil investigate --out)")
      ->required();
  list_cmd->add_option("--status", list->status, "Only notifications with this status")
      ->check(CLI::IsMember({"drafted", "reviewed", "sent", "acknowledged"}));
  list_cmd->add_option("-f,--format", list->format, "table, csv or jsonl")
      ->check(CLI::IsMember({"table", "csv", "jsonl"}));
  list_cmd->callback([list, &rc] { rc = run_list(*list); });

  auto mark = std::make_shared<NotifyMarkOptions>();
  CLI::App* mark_cmd = cmd->add_subcommand(
      "mark",
      "Record that notifications moved forward (drafted, reviewed, sent, acknowledged); "
      "subjects on the safety review route are reviewed before they are sent");
  mark_cmd->add_option("--case", mark->case_dir, "Case folder (vigil investigate --out)")
      ->required();
  mark_cmd->add_option("subjects", mark->subjects, "Subject ids")->required();
  mark_cmd->add_option("--status", mark->status, "The status reached")
      ->required()
      ->check(CLI::IsMember({"drafted", "reviewed", "sent", "acknowledged"}));
  mark_cmd->add_option("--by", mark->by, "Who did it")->required();
  mark_cmd->add_option("--at", mark->at, "When, RFC 3339 (default: now, UTC)");
  mark_cmd->add_option("--note", mark->note, "A note kept with the change");
  mark_cmd->callback([mark, &rc] { rc = run_mark(*mark); });
}

}  // namespace vigil::cli
