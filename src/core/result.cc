#include "vigil/core/result.h"

#include <cstdio>

namespace vigil {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::kOk: return "ok";
    case Errc::kIoError: return "io-error";
    case Errc::kTruncated: return "truncated";
    case Errc::kBadSignature: return "bad-signature";
    case Errc::kBadChecksum: return "bad-checksum";
    case Errc::kCorrupt: return "corrupt";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kLimitExceeded: return "limit-exceeded";
    case Errc::kInvalidArgument: return "invalid-argument";
    case Errc::kNotFound: return "not-found";
  }
  return "unknown";
}

std::string Error::to_string() const {
  std::string out;
  if (!source.empty()) {
    out += source;
    if (offset != UINT64_MAX) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "@0x%llx", static_cast<unsigned long long>(offset));
      out += buf;
    }
    out += ": ";
  } else if (offset != UINT64_MAX) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "offset 0x%llx: ", static_cast<unsigned long long>(offset));
    out += buf;
  }
  out += errc_name(code);
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace vigil
