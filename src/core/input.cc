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

namespace {

Error io_error(const std::error_code& ec, std::string path) {
  return Error{Errc::kIoError, ec.message(), std::move(path), UINT64_MAX};
}

// Walks a folder with an explicit stack (no recursion, so hostile nesting
// depth cannot exhaust the call stack). A folder that cannot be listed is
// reported and the walk goes on with the others: a silently skipped folder is
// silently missed evidence. Linked folders are not entered, which also rules
// out loops; linked files are taken.
void walk_folder(const fs::path& root, std::vector<std::string>& files, std::vector<Error>& errors,
                 std::vector<std::string>* others) {
  std::vector<fs::path> pending{root};
  while (!pending.empty()) {
    const fs::path folder = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    if (ec) {
      errors.push_back(io_error(ec, folder.string()));
      continue;
    }
    // On a failed increment the iterator turns into the end iterator, so the
    // error is only visible after the loop.
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code entry_ec;
      if (it->is_directory(entry_ec) && !it->is_symlink(entry_ec)) {
        pending.push_back(it->path());
      } else if (it->is_regular_file(entry_ec)) {
        files.push_back(it->path().string());
      } else if (others != nullptr && !it->is_directory(entry_ec)) {
        others->push_back(it->path().string());
      }
    }
    if (ec) errors.push_back(io_error(ec, folder.string()));
  }
}

}  // namespace

std::vector<std::string> expand_inputs(std::span<const std::string> paths,
                                       std::vector<Error>& errors,
                                       std::vector<std::string>* others) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec) {
      errors.push_back(io_error(ec, path));
      continue;
    }
    if (fs::is_directory(st)) {
      walk_folder(path, files, errors, others);
    } else if (fs::is_regular_file(st)) {
      files.push_back(path);
    } else {
      errors.push_back({Errc::kInvalidArgument, "not a regular file or folder", path, UINT64_MAX});
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  if (others != nullptr) {
    std::sort(others->begin(), others->end());
    others->erase(std::unique(others->begin(), others->end()), others->end());
  }
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

Result<std::string> read_file(const std::string& path, uint64_t max_bytes) {
  auto file = File::open_read(path);
  if (!file.ok()) return file.take_error();
  auto size = file->size();
  if (!size.ok()) return size.take_error();
  if (*size > max_bytes) {
    return Error{Errc::kLimitExceeded,
                 "the file has " + std::to_string(*size) + " bytes, more than the limit of " +
                     std::to_string(max_bytes),
                 path, UINT64_MAX};
  }
  std::string text(static_cast<size_t>(*size), '\0');
  auto read = read_at(file->fd(), 0, reinterpret_cast<uint8_t*>(text.data()), text.size());
  if (!read.ok()) return read.take_error();
  text.resize(*read);
  return text;
}

Result<uint64_t> File::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return make_error(Errc::kIoError, std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace vigil
