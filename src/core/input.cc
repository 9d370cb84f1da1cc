#include "vigil/core/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vigil {

namespace fs = std::filesystem;

std::vector<std::string> expand_inputs(std::span<const std::string> paths,
                                       std::vector<Error>& errors) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec) {
      errors.push_back({Errc::kIoError, ec.message(), path, UINT64_MAX});
      continue;
    }
    if (fs::is_directory(st)) {
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        errors.push_back({Errc::kIoError, ec.message(), path, UINT64_MAX});
        continue;
      }
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
          errors.push_back({Errc::kIoError, ec.message(), it->path().string(), UINT64_MAX});
          break;
        }
        std::error_code fec;
        if (it->is_regular_file(fec)) files.push_back(it->path().string());
      }
    } else if (fs::is_regular_file(st)) {
      files.push_back(path);
    } else {
      errors.push_back({Errc::kInvalidArgument, "not a regular file or folder", path, UINT64_MAX});
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

Result<size_t> read_at(int fd, uint64_t offset, uint8_t* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::kIoError, std::strerror(errno), offset + done);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Result<File> File::open_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Error e{Errc::kIoError, std::strerror(errno), path, UINT64_MAX};
    return e;
  }
  return File(fd);
}

Result<uint64_t> File::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return make_error(Errc::kIoError, std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace vigil
