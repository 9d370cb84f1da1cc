#pragma once
// Expected failures travel as values. Exceptions are reserved for the edges
// (CLI, tests), never thrown by library code.

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class Errc : uint8_t {
  kOk = 0,
  kIoError,          // open/read/write failed
  kTruncated,        // data ends before a structure does
  kBadSignature,     // magic bytes do not match
  kBadChecksum,      // CRC mismatch
  kCorrupt,          // structurally inconsistent data
  kUnsupported,      // valid but not (yet) handled
  kLimitExceeded,    // a resource limit from limits.h was hit
  kInvalidArgument,  // caller error
  kNotFound,
};

const char* errc_name(Errc code);

struct Error {
  Errc code = Errc::kOk;
  std::string message;
  // Where it happened; offset is a byte offset in `source` (or a line number
  // for text formats), UINT64_MAX when not applicable.
  std::string source;
  uint64_t offset = UINT64_MAX;

  std::string to_string() const;
};

inline Error make_error(Errc code, std::string message, uint64_t offset = UINT64_MAX) {
  return Error{code, std::move(message), {}, offset};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<1>(data_); }
  Error&& take_error() { return std::get<1>(std::move(data_)); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace vigil
