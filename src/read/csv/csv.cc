// CSV with a header row. The header (the file's first record) names the
// columns and sets the separator; the time column is found by name among
// the columns whose values read as times, or given with --time-field.

#include "vigil/read/csv/csv.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "records.h"
#include "times.h"
#include "vigil/core/limits.h"
#include "vigil/read/text/lines.h"
#include "vigil/core/utf.h"

namespace vigil::read {

namespace {

using csv::RecordTracker;

constexpr std::string_view kSourceFormat = "csv";
constexpr size_t kSampleRecords = 64;

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// Lower case, letters and digits only: "Time Created", "time_created" and
// "TimeCreated" are one name.
std::string normalized(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
  }
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// Names of a full time stamp column, most specific first (normalized).
constexpr std::array<std::string_view, 16> kTimeNames = {
    "timestamp",  "datetime",     "dateandtime", "eventtime", "timecreated", "timegenerated",
    "utctime",    "createdat",    "creationtime", "logtime",  "eventdate",   "time",
    "date",       "ts",           "created",     "when"};
// Names whose value is also the event's host.
constexpr std::array<std::string_view, 7> kHostNames = {
    "computer", "computername", "hostname", "host", "devicename", "machinename", "workstation"};

// A file's first records: the header and a sample of rows (complete
// records of the head only).
struct HeadRecords {
  std::string header;  // the header record's text
  uint64_t header_offset = 0;
  uint64_t header_end = 0;  // just past the header's last line end
  std::vector<std::string> rows;
};

HeadRecords head_records(std::string_view head, char separator) {
  HeadRecords out;
  RecordTracker tracker;
  tracker.set_separator(separator);
  size_t pos = 0;
  size_t start = std::string_view::npos;
  bool header_done = false;
  while (pos < head.size() && out.rows.size() < kSampleRecords) {
    const size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) break;  // the head may end mid-line
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!tracker.in_record()) {
      if (is_blank(line)) {
        pos = nl + 1;
        continue;
      }
      start = pos;
    }
    const bool complete = tracker.feed(line);
    const size_t line_end = pos + line.size();
    pos = nl + 1;
    if (!complete || tracker.overflowed()) continue;
    const std::string_view record = head.substr(start, line_end - start);
    if (!header_done) {
      out.header = std::string(record);
      out.header_offset = start;
      out.header_end = pos;
      header_done = true;
    } else {
      out.rows.emplace_back(record);
    }
  }
  if (!header_done) {
    // No complete line: the whole head is the header (a one-line file
    // without a line end).
    const size_t first = head.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
      std::string_view rest = head.substr(first);
      if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
      out.header = std::string(rest);
      out.header_offset = first;
      out.header_end = head.size();
    }
  }
  return out;
}

char first_line_separator(std::string_view head) {
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_blank(line)) return csv::detect_separator(line);
    pos = nl + 1;
  }
  return ',';
}

class CsvContext final : public FileContext {
 public:
  char separator = ',';
  uint64_t header_offset = 0;
  uint64_t header_end = 0;
  std::vector<FieldId> columns;
  std::vector<std::string> column_names;
  FieldId source_format_id = kNoField;
  FieldId computer_id = kNoField;
  int time_column = -1;
  int date_column = -1;  // with time_column: a date column and a time-of-day column
  int host_column = -1;
  // Reported at the header when no time column was found.
  std::string time_note;
};

// How well a column (or a date and a time column together) reads as times
// over the sample rows: the share of its non-empty values that parse.
bool reads_as_times(const std::vector<std::vector<std::string_view>>& rows, int date, int time) {
  size_t present = 0, parsed = 0;
  std::string joined;
  for (const auto& row : rows) {
    if (static_cast<size_t>(time) >= row.size()) continue;
    std::string_view text = row[static_cast<size_t>(time)];
    if (date >= 0) {
      if (static_cast<size_t>(date) >= row.size()) continue;
      joined.assign(row[static_cast<size_t>(date)]);
      joined += ' ';
      joined += text;
      text = joined;
    }
    if (is_blank(text)) continue;
    ++present;
    parsed += csv::parse_csv_time(text).is_set() ? 1 : 0;
  }
  return present > 0 && parsed * 2 >= present;
}

void find_time_column(CsvContext& c, const std::vector<std::vector<std::string_view>>& rows) {
  std::vector<std::string> norm;
  for (const std::string& name : c.column_names) norm.push_back(normalized(name));
  auto column_named = [&](std::string_view n) -> int {
    for (size_t i = 0; i < norm.size(); ++i) {
      if (norm[i] == n) return static_cast<int>(i);
    }
    return -1;
  };
  const int date = column_named("date");
  const int time = column_named("time");
  for (std::string_view name : kTimeNames) {
    // A date column and a time-of-day column go together, before either
    // alone (a date alone would lose the time of day).
    if (name == "time" && date >= 0 && time >= 0 &&
        (rows.empty() || reads_as_times(rows, date, time))) {
      c.date_column = date;
      c.time_column = time;
      return;
    }
    const int column = column_named(name);
    if (column < 0) continue;
    if (rows.empty() || reads_as_times(rows, -1, column)) {
      c.time_column = column;
      return;
    }
  }
  c.time_note =
      "no time column: no column named like a time (timestamp, datetime, time, date, "
      "TimeCreated, EventTime, ...) holds values read as times; the rows are read without a "
      "time (name the column with --time-field)";
}

class CsvParser final : public BlockParser {
 public:
  CsvParser(std::shared_ptr<const CsvContext> context, FieldNames& names)
      : context_(std::move(context)), names_(names) {
    tracker_.set_separator(context_->separator);
  }

  void parse(std::string_view block, uint64_t block_offset, uint32_t input,
             EventSink& sink) override {
    const CsvContext& c = *context_;
    ascii_ = vigil::is_ascii(block);
    tracker_.reset();
    size_t record_start = 0;
    uint64_t record_line = 0, record_offset = 0;
    for_each_line(block, block_offset, sink, [&](std::string_view line, uint64_t number,
                                                 uint64_t offset) {
      if (offset < c.header_end) {
        if (offset == c.header_offset && !c.time_note.empty()) {
          sink.on_issue({number, offset, c.time_note, true});
        }
        return;
      }
      const size_t line_pos = static_cast<size_t>(line.data() - block.data());
      if (!tracker_.in_record()) {
        if (is_blank(line)) return;
        record_start = line_pos;
        record_line = number;
        record_offset = offset;
      }
      if (!tracker_.feed(line)) return;
      if (tracker_.overflowed()) {
        sink.on_issue({record_line, record_offset,
                       "quoted field not closed within " +
                           std::to_string(limits::kTextMaxLineBytes >> 20) +
                           " MiB (a stray quote?): record skipped, reading goes on at the next "
                           "line"});
        return;
      }
      emit(block.substr(record_start, line_pos + line.size() - record_start), input, record_line,
           record_offset, sink);
    });
    if (tracker_.in_record()) {
      sink.on_issue({record_line, record_offset,
                     "quoted field not closed at the end of the input: record skipped"});
    }
  }

 private:
  void emit(std::string_view record, uint32_t input, uint64_t line, uint64_t offset,
            EventSink& sink) {
    const CsvContext& c = *context_;
    event_.clear();
    event_.source = {input, line, offset, false};
    bool repaired = false;
    if (!ascii_) record = valid_utf8_or_repaired(record, event_, repaired);
    csv::split_record(record, c.separator, fields_, scratch_);
    if (repaired) sink.on_issue({line, offset, "invalid UTF-8 replaced by U+FFFD; record read"});
    if (fields_.size() != c.columns.size()) {
      sink.on_issue({line, offset,
                     std::to_string(fields_.size()) + " fields; the header has " +
                         std::to_string(c.columns.size()) +
                         (fields_.size() < c.columns.size() ? ": the missing ones left out"
                                                            : ": the others named column<N>")});
    }
    const size_t count = std::min(fields_.size(), limits::kTextMaxFieldsPerEvent);
    event_.reserve_more(count + 2);
    event_.add(c.source_format_id, Value::utf8(kSourceFormat));
    for (size_t i = 0; i < count; ++i) {
      if (fields_[i].empty()) continue;  // an empty cell is no value
      event_.add(i < c.columns.size() ? c.columns[i] : extra_column(i), Value::utf8(fields_[i]));
    }
    if (c.host_column >= 0 && static_cast<size_t>(c.host_column) < fields_.size() &&
        !fields_[static_cast<size_t>(c.host_column)].empty()) {
      event_.add(c.computer_id, Value::utf8(fields_[static_cast<size_t>(c.host_column)]));
    }
    if (c.time_column >= 0) set_time(line, offset, sink);
    sink.on_event(event_);
  }

  void set_time(uint64_t line, uint64_t offset, EventSink& sink) {
    const CsvContext& c = *context_;
    const size_t column = static_cast<size_t>(c.time_column);
    std::string_view text = column < fields_.size() ? fields_[column] : std::string_view();
    if (c.date_column >= 0) {
      const size_t date = static_cast<size_t>(c.date_column);
      time_text_.assign(date < fields_.size() ? fields_[date] : std::string_view());
      time_text_ += ' ';
      time_text_ += text;
      text = time_text_;
    }
    event_.timestamp = csv::parse_csv_time(text);
    if (!event_.timestamp.is_set()) {
      std::string why = "time \"";
      why.append(text.substr(0, 64)).append("\" in column ").append(c.column_names[column]);
      why.append(" not read as a time: the row is read without one");
      sink.on_issue({line, offset, std::move(why)});
    }
  }

  FieldId extra_column(size_t index) {
    while (extra_ids_.size() <= index) {
      extra_ids_.push_back(names_.intern("column" + std::to_string(extra_ids_.size() + 1)));
    }
    return extra_ids_[index];
  }

  std::shared_ptr<const CsvContext> context_;
  FieldNames& names_;
  Event event_;
  RecordTracker tracker_;
  std::vector<std::string_view> fields_;
  std::deque<std::string> scratch_;
  std::vector<FieldId> extra_ids_;
  std::string time_text_;
  bool ascii_ = true;
};

// Allows cuts only between records, following quotes exactly as the parser
// does (the separator from the first line, as open() takes it).
class CsvCutRule final : public CutRule {
 public:
  bool cut_before(std::string_view line) override {
    const bool allowed = header_done_ && !tracker_.in_record();
    if (!have_separator_) {
      if (is_blank(line)) return false;
      tracker_.set_separator(csv::detect_separator(line));
      have_separator_ = true;
    }
    if (!tracker_.in_record() && is_blank(line)) return allowed;
    if (tracker_.feed(line)) header_done_ = true;
    return allowed;
  }

 private:
  RecordTracker tracker_;
  bool have_separator_ = false;
  bool header_done_ = false;
};

class CsvFormat final : public Format {
 public:
  std::string_view name() const override { return "csv"; }

  // Modest on purpose: any format that knows its lines outranks a shape
  // test this loose.
  int sniff(std::string_view head, std::string_view path) const override {
    const char separator = first_line_separator(head);
    const HeadRecords records = head_records(head, separator);
    if (records.header.empty()) return 0;
    const char first = records.header[0];
    if (first == '{' || first == '[' || first == '<' || first == '#') return 0;
    std::vector<std::string_view> fields;
    std::deque<std::string> scratch;
    csv::split_record(records.header, separator, fields, scratch);
    const size_t columns = fields.size();
    if (columns < 2) return 0;
    // A header names columns: short texts, not times or numbers (a first
    // line of data means this is not a CSV with a header).
    size_t named = 0;
    for (std::string_view f : fields) {
      if (csv::parse_csv_time(f).is_set()) return 0;
      if (!f.empty() && f.find_first_not_of("0123456789.-") == std::string_view::npos) return 0;
      named += !f.empty() && f.size() <= 64;
    }
    if (named * 2 < columns) return 0;
    size_t good = 0;
    for (const std::string& row : records.rows) {
      csv::split_record(row, separator, fields, scratch);
      good += fields.size() == columns;
    }
    const bool csv_name = path.ends_with(".csv") || path.ends_with(".csv.gz") ||
                          path.ends_with(".tsv") || path.ends_with(".csv.zst");
    if (records.rows.empty()) return csv_name ? 15 : 5;
    if (good * 3 < records.rows.size() * 2) return 0;
    return csv_name ? 25 : 20;
  }

  Result<std::shared_ptr<const FileContext>> open(std::string_view head, const FileFacts&,
                                                  const ReadOptions& options,
                                                  FieldNames& names) const override {
    auto c = std::make_shared<CsvContext>();
    c->separator = first_line_separator(head);
    const HeadRecords records = head_records(head, c->separator);
    if (records.header.empty()) return make_error(Errc::kCorrupt, "CSV without a header row");
    c->header_offset = records.header_offset;
    c->header_end = records.header_end;
    std::vector<std::string_view> fields;
    std::deque<std::string> scratch;
    csv::split_record(records.header, c->separator, fields, scratch);
    if (fields.size() > limits::kTextMaxFieldsPerEvent) {
      return make_error(Errc::kLimitExceeded,
                        "CSV header with " + std::to_string(fields.size()) + " columns (limit " +
                            std::to_string(limits::kTextMaxFieldsPerEvent) + ")");
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string_view name = fields[i];
      if (i == 0 && name.starts_with("\xEF\xBB\xBF")) name.remove_prefix(3);  // BOM
      while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      std::string text = name.empty() ? "column" + std::to_string(i + 1) : std::string(name);
      bool repaired = false;
      Event scratch_event;
      text = std::string(valid_utf8_or_repaired(text, scratch_event, repaired));
      c->columns.push_back(names.intern(text));
      c->column_names.push_back(std::move(text));
    }
    c->source_format_id = field::kSourceFormat;
    c->computer_id = field::kComputer;

    std::vector<std::vector<std::string_view>> rows;
    std::deque<std::string> row_scratch, kept_values;
    for (const std::string& row : records.rows) {
      std::vector<std::string_view> split;
      csv::split_record(row, c->separator, split, row_scratch);
      // split_record reuses its scratch from the start: keep each row's text.
      std::vector<std::string_view> kept;
      for (std::string_view v : split) kept.push_back(kept_values.emplace_back(v));
      rows.push_back(std::move(kept));
    }
    if (!options.time_field.empty()) {
      for (size_t i = 0; i < c->column_names.size(); ++i) {
        if (equals_ignore_case(c->column_names[i], options.time_field)) {
          c->time_column = static_cast<int>(i);
          break;
        }
      }
      if (c->time_column < 0) {
        return make_error(Errc::kInvalidArgument,
                          "--time-field " + options.time_field + ": no such CSV column");
      }
    } else {
      find_time_column(*c, rows);
    }
    bool has_computer = false;
    for (const std::string& n : c->column_names) has_computer |= n == "Computer";
    for (std::string_view host : kHostNames) {
      if (has_computer || c->host_column >= 0) break;
      for (size_t i = 0; i < c->column_names.size(); ++i) {
        if (normalized(c->column_names[i]) == host) {
          c->host_column = static_cast<int>(i);
          break;
        }
      }
    }
    return std::shared_ptr<const FileContext>(std::move(c));
  }

  std::unique_ptr<CutRule> cut_rule() const override { return std::make_unique<CsvCutRule>(); }

  std::unique_ptr<BlockParser> parser(std::shared_ptr<const FileContext> context,
                                      FieldNames& names) const override {
    return std::make_unique<CsvParser>(std::static_pointer_cast<const CsvContext>(context), names);
  }
};

}  // namespace

const Format& csv_format() {
  static const CsvFormat kFormat;
  return kFormat;
}

}  // namespace vigil::read
