#include "log_inputs.h"

#include <sys/stat.h>

#include <cstdio>
#include <map>

#include "vigil/core/input.h"
#include "vigil/core/limits.h"
#include "vigil/read/formats.h"

namespace vigil::cli {

namespace {

void print_error(const Error& e, const std::string& file) {
  Error copy = e;
  if (copy.source.empty()) copy.source = file;
  std::fprintf(stderr, "vigil: %s\n", copy.to_string().c_str());
}

}  // namespace

bool gather_log_inputs(const std::vector<std::string>& paths, const TextReadOptions& options,
                       FieldNames& names, LogInputs& out) {
  read::PlanOptions plan;
  plan.formats = read::formats();
  if (!options.input_format.empty()) {
    plan.format = read::find_format(options.input_format);
    if (plan.format == nullptr) {
      std::string known;
      for (const read::Format* f : read::formats()) {
        if (!known.empty()) known += ", ";
        known += f->name();
      }
      std::fprintf(stderr, "vigil: --input-format: '%s' is not one of: %s\n",
                   options.input_format.c_str(), known.c_str());
      return false;
    }
  }
  if (options.year != 0) plan.read.year = options.year;
  plan.read.web_format = options.web_format;
  plan.read.time_field = options.time_field;
  plan.temp_dir = options.temp_dir;

  std::map<std::pair<uint64_t, uint64_t>, std::string> first_path;
  for (const std::string& path : paths) {
    if (path == "-") {
      auto input = read::plan_text_input(path, plan, names);
      if (input.ok()) {
        out.text.push_back(std::move(input.value()));
      } else {
        print_error(input.error(), "standard input");
        out.error = true;
      }
      continue;
    }
    std::vector<Error> errors;
    const std::vector<std::string> one{path};
    const std::vector<std::string> files = expand_inputs(one, errors);
    for (const Error& e : errors) {
      std::fprintf(stderr, "vigil: %s\n", e.to_string().c_str());
      out.error = true;
    }
    const bool named = files.size() == 1 && files[0] == path;
    for (const std::string& file : files) {
      struct stat st {};
      if (::stat(file.c_str(), &st) == 0) {
        const std::pair<uint64_t, uint64_t> identity{st.st_dev, st.st_ino};
        const auto [first, fresh] = first_path.emplace(identity, file);
        if (!fresh) {
          std::fprintf(stderr, "vigil: %s is %s again: read once\n", file.c_str(),
                       first->second.c_str());
          ++out.repeated;
          continue;
        }
        out.identities.insert(identity);
      }
      // EVTX first: its signature is certain; a forced text format skips it.
      if (plan.format == nullptr) {
        auto evtx = evtx::plan_input(file);
        if (evtx.ok()) {
          out.evtx.bytes += evtx->size;
          out.evtx.paths.push_back(evtx->path);
          out.evtx.files.push_back(std::move(evtx.value()));
          continue;
        }
        if (evtx.error().code != Errc::kBadSignature) {
          print_error(evtx.error(), file);
          out.error = true;
          continue;
        }
      }
      auto text = read::plan_text_input(file, plan, names);
      if (text.ok()) {
        out.text.push_back(std::move(text.value()));
      } else if (named || text.error().code != Errc::kUnsupported) {
        print_error(text.error(), file);
        out.error = true;
      } else {
        ++out.skipped;
      }
    }
  }
  out.paths = out.evtx.paths;
  for (const evtx::EvtxInput& f : out.evtx.files) out.sizes.push_back(f.size);
  for (const read::TextInput& t : out.text) {
    out.paths.push_back(t.path);
    out.sizes.push_back(t.size);
  }
  for (uint64_t size : out.sizes) out.bytes += size;
  out.error = out.error || out.evtx.error;
  return true;
}

void LineIssuePrinter::report(uint32_t source, const std::string& path,
                              const std::vector<read::LineIssue>& issues,
                              const std::function<void()>& before_each) {
  if (per_source_.size() <= source) per_source_.resize(source + 1);
  for (const read::LineIssue& issue : issues) {
    if (issue.note) {
      if (before_each) before_each();
      std::fprintf(stderr, "vigil: %s:%llu: note: %s\n", path.c_str(),
                   static_cast<unsigned long long>(issue.line), issue.reason.c_str());
      continue;
    }
    if (per_source_[source]++ >= limits::kMaxDiagnosticsPerFile) {
      ++lines;
      continue;
    }
    if (before_each) before_each();
    std::fprintf(stderr, "vigil: %s:%llu: %s\n", path.c_str(),
                 static_cast<unsigned long long>(issue.line), issue.reason.c_str());
    ++lines;
  }
}

void LineIssuePrinter::finish(const LogInputs& inputs) {
  for (size_t i = 0; i < per_source_.size() && i < inputs.paths.size(); ++i) {
    if (per_source_[i] > limits::kMaxDiagnosticsPerFile) {
      std::fprintf(stderr, "vigil: %s: %llu more rejected lines not shown\n", inputs.paths[i].c_str(),
                   static_cast<unsigned long long>(per_source_[i] - limits::kMaxDiagnosticsPerFile));
    }
  }
}

void LineIssuePrinter::report_damage(const read::TextInput& input,
                                     const std::function<void()>& before_each) {
  if (input.damage.empty()) return;
  if (before_each) before_each();
  std::fprintf(stderr, "vigil: %s: after %llu decompressed bytes: %s\n", input.path.c_str(),
               static_cast<unsigned long long>(input.damage_offset), input.damage.c_str());
  ++lines;
}

}  // namespace vigil::cli
