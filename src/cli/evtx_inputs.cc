#include "evtx_inputs.h"

#include <cstdio>

#include "vigil/core/input.h"

namespace vigil::cli {

EvtxInputs gather_evtx_inputs(const std::vector<std::string>& paths) {
  EvtxInputs set;
  for (const std::string& path : paths) {
    std::vector<Error> errors;
    const std::vector<std::string> one{path};
    const std::vector<std::string> files = expand_inputs(one, errors);
    for (const Error& e : errors) {
      std::fprintf(stderr, "vigil: %s\n", e.to_string().c_str());
      set.error = true;
    }
    const bool named = files.size() == 1 && files[0] == path;
    for (const std::string& file : files) {
      auto input = evtx::plan_input(file);
      if (input.ok()) {
        set.bytes += input->size;
        set.paths.push_back(input->path);
        set.files.push_back(std::move(input.value()));
      } else if (named || input.error().code != Errc::kBadSignature) {
        Error e = input.error();
        if (e.source.empty()) e.source = file;
        std::fprintf(stderr, "vigil: %s\n", e.to_string().c_str());
        set.error = true;
      }
    }
  }
  return set;
}

void DamagePrinter::report(const std::string& path, const std::vector<evtx::Damage>& damage,
                           const std::function<void()>& before_each) {
  for (const evtx::Damage& d : damage) {
    const bool notice = d.code == Errc::kOk;
    if (before_each) before_each();
    std::fprintf(stderr, "vigil: %s: offset 0x%llx: %s%s%s\n", path.c_str(),
                 static_cast<unsigned long long>(d.offset), notice ? "note: " : errc_name(d.code),
                 notice ? "" : ": ", d.message.c_str());
    if (!notice) ++places;
  }
}

}  // namespace vigil::cli
