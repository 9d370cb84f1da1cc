// `vigil dump` and `vigil parse`: EVTX to JSON lines / XML, and the
// parse-only path the benchmarks measure.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "evtx_inputs.h"
#include "exit_codes.h"
#include "log_inputs.h"
#include "vigil/core/input.h"
#include "vigil/read/evtx/scan.h"

namespace vigil::cli {

namespace {

int exit_code(const EvtxInputs& set, const DamagePrinter& report) {
  if (set.error) return kExitInput;
  return report.places > 0 ? kExitDamaged : kExitOk;
}

struct DumpOptions {
  std::vector<std::string> paths;
  std::string format = "jsonl";
  std::string output;
  unsigned threads = 0;
  bool recover = false;
};

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int run_dump(const DumpOptions& opt) {
  EvtxInputs set = gather_evtx_inputs(opt.paths);
  // Straight write(2) calls: the text already comes in big pieces, and
  // stdio would split each into a buffer's worth and a remainder.
  int out = STDOUT_FILENO;
  File owned;
  if (!opt.output.empty()) {
    out = ::open(opt.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
      std::fprintf(stderr, "vigil: cannot write %s: %s\n", opt.output.c_str(), std::strerror(errno));
      return kExitInput;
    }
    owned = File(out);
  }
  const bool xml = opt.format == "xml";
  const unsigned threads = resolve_threads(opt.threads);
  std::vector<evtx::Renderer> renderers(threads);
  DamagePrinter report;
  bool write_failed = false;
  auto write = [&](const std::string& text) {
    if (!write_failed && !write_all(out, text)) write_failed = true;
  };
  // On one thread each chunk is consumed right after it is produced, so its
  // text can go out in cache-sized pieces instead of growing one buffer to
  // the size of a chunk's JSON (fresh pages cost more than the writes).
  const bool stream = threads == 1;
  constexpr size_t kStreamPiece = 64 * 1024;
  evtx::scan<std::string>(
      set.files, threads, evtx::ParseOptions{opt.recover, /*lazy_records=*/!xml},
      [&](const evtx::Record& record, const evtx::ChunkNames& names, uint32_t, unsigned worker,
          std::string& text) {
        if (xml) {
          renderers[worker].xml(text, record, names);
        } else if (!renderers[worker].json(text, record, names)) {
          return;  // damaged: the parser reports it
        }
        text.push_back('\n');
        if (stream && text.size() >= kStreamPiece) {
          write(text);
          text.clear();
        }
      },
      [](std::string& text) { text.clear(); },
      [&](const evtx::ScanSlot<std::string>& slot) {
        const evtx::EvtxInput& input = set.files[slot.input];
        if (slot.first_of_input) report.report(input.path, input.notices);
        report.report(input.path, slot.damage);
        write(slot.out);
      });
  if (write_failed) {
    std::fprintf(stderr, "vigil: writing the output failed\n");
    return kExitInput;
  }
  return exit_code(set, report);
}

struct ParseOptions {
  std::vector<std::string> paths;
  unsigned threads = 0;
  bool recover = false;
  TextReadOptions text;
};

// Parse-only: every record (EVTX) or line (text logs) becomes an Event
// handed to a consumer that only counts. This is the readers' cost as the
// detector sees it, and what `make bench` measures per format.
int run_parse(const ParseOptions& opt) {
  const auto started = std::chrono::steady_clock::now();
  FieldNames names;
  LogInputs set;
  if (!gather_log_inputs(opt.paths, opt.text, names, set)) return kExitUsage;
  const unsigned threads = resolve_threads(opt.threads);
  std::vector<evtx::EventBuilder> builders;
  builders.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) builders.emplace_back(names);
  std::vector<Event> events(threads);
  DamagePrinter report;
  LineIssuePrinter lines;
  uint64_t records = 0, fields = 0;
  evtx::scan<uint64_t>(
      set.evtx.files, threads, evtx::ParseOptions{opt.recover, /*lazy_records=*/true},
      [&](const evtx::Record& record, const evtx::ChunkNames& chunk_names, uint32_t input,
          unsigned worker, uint64_t& count) {
        if (builders[worker].build(record, chunk_names, input, events[worker])) {
          count += events[worker].size();
        }
      },
      [](uint64_t& count) { count = 0; },
      [&](const evtx::ScanSlot<uint64_t>& slot) {
        const evtx::EvtxInput& input = set.evtx.files[slot.input];
        if (slot.first_of_input) report.report(input.path, input.notices);
        report.report(input.path, slot.damage);
        records += slot.records;
        fields += slot.out;
      });
  const uint32_t first_text = set.first_text_source();
  read::scan_text<uint64_t>(
      set.text, threads, names,
      [](Event& event, uint32_t, unsigned, uint64_t& count) { count += event.size(); },
      [](uint64_t& count) { count = 0; },
      [&](const read::TextSlot<uint64_t>& slot) {
        lines.report(set, slot);
        records += slot.events;
        fields += slot.out;
      },
      first_text);
  lines.finish(set);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "parse: %zu files, %llu bytes, %llu records, %llu fields, %llu damaged places, "
               "%.3f s, %.1f MB/s, %.0f records/s\n",
               set.files(), static_cast<unsigned long long>(set.bytes),
               static_cast<unsigned long long>(records), static_cast<unsigned long long>(fields),
               static_cast<unsigned long long>(report.places + lines.lines), seconds,
               seconds > 0 ? static_cast<double>(set.bytes) / 1e6 / seconds : 0.0,
               seconds > 0 ? static_cast<double>(records) / seconds : 0.0);
  if (set.error) return kExitInput;
  return report.places + lines.lines > 0 ? kExitDamaged : kExitOk;
}


}  // namespace

void register_dump(CLI::App& app, int& rc) {
  auto opt = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump", "Print every EVTX record as JSON lines (evtx_dump shape) or XML");
  cmd->add_option("paths", opt->paths, "EVTX files or folders (searched recursively)")->required();
  cmd->add_option("-f,--format", opt->format, "jsonl or xml")->check(CLI::IsMember({"jsonl", "json", "xml"}));
  add_output_option(cmd, opt->output);
  cmd->add_option("-t,--threads", opt->threads, "Worker threads (0 = all cores)");
  cmd->add_flag("-x,--recover", opt->recover, "Also carve records from chunk slack space");
  cmd->callback([opt, &rc] { rc = run_dump(*opt); });
}

void register_parse(CLI::App& app, int& rc) {
  auto opt = std::make_shared<ParseOptions>();
  CLI::App* cmd = app.add_subcommand(
      "parse", "Read logs of every format into events without output (reader benchmark)");
  cmd->add_option("paths", opt->paths, "Log files or folders; - for standard input")->required();
  cmd->add_option("--input-format", opt->text.input_format, "Read every input as this text format");
  cmd->add_option("--year", opt->text.year, "Year of syslog lines without one");
  cmd->add_option("--web-format", opt->text.web_format, "Apache LogFormat of access logs");
  cmd->add_option("--time-field", opt->text.time_field, "Time field of CSV and generic JSON");
  cmd->add_option("-t,--threads", opt->threads, "Worker threads (0 = all cores)");
  cmd->add_flag("-x,--recover", opt->recover, "Also carve records from chunk slack space");
  cmd->callback([opt, &rc] { rc = run_parse(*opt); });
}

}  // namespace vigil::cli
