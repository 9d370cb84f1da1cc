#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vigil/core/result.h"

namespace vigil {

// Expands files and folders (recursively, links not followed into loops)
// into regular files in sorted path order: the order every stage reports in.
// Paths that cannot be read are returned in `errors`, the rest still listed.
// Entries met in folders that are neither folders nor regular files (FIFOs,
// sockets, devices, dangling links) are not listed, since opening one could
// block; their paths go to `others` when given, sorted, for callers that
// must say what they did not read.
std::vector<std::string> expand_inputs(std::span<const std::string> paths,
                                       std::vector<Error>& errors,
                                       std::vector<std::string>* others = nullptr);

// Reads up to `size` bytes at `offset`; a short read only at end of file.
Result<size_t> read_at(int fd, uint64_t offset, uint8_t* buffer, size_t size);

// A whole (small) file: configuration, rules, mappings. A file larger than
// `max_bytes` is an Errc::kLimitExceeded error, read not at all.
Result<std::string> read_file(const std::string& path, uint64_t max_bytes = UINT64_MAX);

// An open file descriptor that closes itself.
class File {
 public:
  File() = default;
  explicit File(int fd) : fd_(fd) {}
  File(File&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  static Result<File> open_read(const std::string& path);
  int fd() const { return fd_; }
  Result<uint64_t> size() const;

 private:
  int fd_ = -1;
};

}  // namespace vigil
