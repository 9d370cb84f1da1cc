#include "vigil/read/text/scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <emmintrin.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vigil::read {

namespace {

constexpr size_t kReadPiece = 1 << 20;

Error input_error(Errc code, const std::string& path, std::string message,
                  uint64_t offset = UINT64_MAX) {
  Error e = make_error(code, std::move(message), offset);
  e.source = path;
  return e;
}

Result<void> write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::kIoError, std::string("cannot write spool file: ") + std::strerror(errno));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

Result<File> make_spool(const std::string& temp_dir) {
  std::string dir = temp_dir;
  if (dir.empty()) {
    const char* env = std::getenv("TMPDIR");
    dir = env && *env ? env : "/tmp";
  }
  std::string name = dir + "/vigil-spool-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    return make_error(Errc::kIoError,
                      "cannot create a spool file in " + dir + ": " + std::strerror(errno));
  }
  ::unlink(name.c_str());  // gone when the descriptor closes, whatever happens
  return File(fd);
}

// Pulls bytes from a plain file, a gzip stream or a zstd stream.
class Source {
 public:
  virtual ~Source() = default;
  // Up to `size` bytes; 0 at the end. Errors name the compressed offset.
  virtual Result<size_t> read(char* out, size_t size) = 0;
};

class FdSource final : public Source {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  Result<size_t> read(char* out, size_t size) override {
    for (;;) {
      const ssize_t n = ::read(fd_, out, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) {
        return make_error(Errc::kIoError, std::string("read failed: ") + std::strerror(errno));
      }
    }
  }

 private:
  int fd_;
};

// Bytes already read for recognition are given back first.
class PrefixedSource final : public Source {
 public:
  PrefixedSource(std::string prefix, Source& rest) : prefix_(std::move(prefix)), rest_(rest) {}
  Result<size_t> read(char* out, size_t size) override {
    if (pos_ < prefix_.size()) {
      const size_t n = std::min(size, prefix_.size() - pos_);
      std::memcpy(out, prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_.read(out, size);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  Source& rest_;
};

class GzipSource final : public Source {
 public:
  explicit GzipSource(Source& in) : in_(in), input_(kReadPiece, '\0') {
    // 15 + 32: zlib or gzip header, detected; concatenated members handled below.
    ok_ = inflateInit2(&z_, 15 + 32) == Z_OK;
  }
  ~GzipSource() override { inflateEnd(&z_); }
  Result<size_t> read(char* out, size_t size) override {
    if (!ok_) return make_error(Errc::kCorrupt, "gzip: cannot initialise zlib");
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(size);
    while (z_.avail_out == size && !done_) {
      if (z_.avail_in == 0) {
        auto n = in_.read(input_.data(), input_.size());
        if (!n.ok()) return n.error();
        if (*n == 0) {
          if (in_member_) {
            return make_error(Errc::kTruncated,
                              "gzip stream ends early (truncated file) after " +
                                  std::to_string(consumed_) + " compressed bytes",
                              consumed_);
          }
          done_ = true;
          break;
        }
        z_.next_in = reinterpret_cast<Bytef*>(input_.data());
        z_.avail_in = static_cast<uInt>(*n);
      }
      const uInt before = z_.avail_in;
      in_member_ = true;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      consumed_ += before - z_.avail_in;
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&z_);  // another member may follow (cat a.gz b.gz)
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return make_error(Errc::kCorrupt,
                          std::string("gzip data is corrupt near compressed offset ") +
                              std::to_string(consumed_) + (z_.msg ? std::string(": ") + z_.msg : ""),
                          consumed_);
      }
    }
    return size - z_.avail_out;
  }

 private:
  Source& in_;
  std::string input_;
  z_stream z_{};
  bool ok_ = false;
  bool done_ = false;
  bool in_member_ = false;
  uint64_t consumed_ = 0;
};

class ZstdSource final : public Source {
 public:
  explicit ZstdSource(Source& in)
      : source_(in), input_(kReadPiece, '\0'), z_(ZSTD_createDStream()) {}
  ~ZstdSource() override { ZSTD_freeDStream(z_); }
  Result<size_t> read(char* out, size_t size) override {
    if (z_ == nullptr) return make_error(Errc::kCorrupt, "zstd: cannot create a decoder");
    ZSTD_outBuffer o{out, size, 0};
    while (o.pos == 0 && !done_) {
      if (in_.pos == in_.size) {
        auto n = source_.read(input_.data(), input_.size());
        if (!n.ok()) return n.error();
        if (*n == 0) {
          if (pending_) {
            return make_error(Errc::kTruncated,
                              "zstd stream ends early (truncated file) after " +
                                  std::to_string(consumed_) + " compressed bytes",
                              consumed_);
          }
          done_ = true;
          break;
        }
        in_ = ZSTD_inBuffer{input_.data(), *n, 0};
      }
      const size_t before = in_.pos;
      const size_t rc = ZSTD_decompressStream(z_, &o, &in_);
      consumed_ += in_.pos - before;
      if (ZSTD_isError(rc)) {
        return make_error(Errc::kCorrupt,
                          std::string("zstd data is corrupt near compressed offset ") +
                              std::to_string(consumed_) + ": " + ZSTD_getErrorName(rc),
                          consumed_);
      }
      pending_ = rc != 0;
    }
    return o.pos;
  }

 private:
  Source& source_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  std::string input_;
  ZSTD_DStream* z_;
  bool done_ = false;
  bool pending_ = false;
  uint64_t consumed_ = 0;
};

Compression compression_of(std::string_view head) {
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x1f &&
      static_cast<uint8_t>(head[1]) == 0x8b) {
    return Compression::kGzip;
  }
  if (head.size() >= 4 && static_cast<uint8_t>(head[0]) == 0x28 &&
      static_cast<uint8_t>(head[1]) == 0xb5 && static_cast<uint8_t>(head[2]) == 0x2f &&
      static_cast<uint8_t>(head[3]) == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

// Reads up to `want` bytes, fewer only at the end.
Result<std::string> read_prefix(Source& source, size_t want) {
  std::string out(want, '\0');
  size_t got = 0;
  while (got < want) {
    auto n = source.read(out.data() + got, want - got);
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

// Head for recognition: cut after the last line end when there is one, so
// that no format sees half a line.
std::string_view whole_lines(std::string_view head) {
  const size_t nl = head.rfind('\n');
  return nl == std::string_view::npos ? head : head.substr(0, nl + 1);
}

// Walks every line of the input once: counts lines, cuts blocks near every
// kTextBlockBytes where the format allows, and keeps lines longer than the
// limit out of the blocks.
class Planner {
 public:
  Planner(const Format& format, TextInput& input) : input_(input), rule_(format.cut_rule()) {}

  // Feeds the next piece of the input (`data` starts at absolute `offset`).
  void feed(std::string_view data, uint64_t offset) {
    if (rule_ == nullptr) {
      feed_counting(data, offset);
      return;
    }
    size_t pos = 0;
    while (pos < data.size()) {
      const char* start = data.data() + pos;
      const void* nl = std::memchr(start, '\n', data.size() - pos);
      const size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start)
                            : data.size() - pos;
      if (rule_ && partial_.size() + len <= limits::kTextMaxLineBytes) {
        partial_.append(start, len);
      }
      if (nl == nullptr) return;
      end_line(offset + pos + len + 1);
      pos += len + 1;
    }
  }

  void finish(uint64_t size) {
    if (size > line_start_) end_line(size);
    close_block(size);
    input_.lines = line_;
  }

 private:
  // Without a cut rule no line needs to be seen: the line the piece ends
  // first is handled as a line (it may have begun pieces ago and be too
  // long), the lines wholly inside the piece are only counted (a piece is
  // shorter than the line limit), and a block is cut at the piece's last
  // line start once it is long enough. Planning then costs a count, not a
  // search per line.
  void feed_counting(std::string_view data, uint64_t offset) {
    const char* p = data.data();
    const size_t n = data.size();
    const void* first = std::memchr(p, '\n', n);
    if (first == nullptr) return;
    const size_t f = static_cast<size_t>(static_cast<const char*>(first) - p);
    end_line(offset + f + 1);
    const void* last = ::memrchr(p + f + 1, '\n', n - f - 1);
    if (last == nullptr) return;
    const size_t l = static_cast<size_t>(static_cast<const char*>(last) - p);
    line_ += count_line_ends(p + f + 1, l - f);
    line_start_ = offset + l + 1;
    if (line_start_ - block_start_ >= limits::kTextBlockBytes) close_block(line_start_);
  }

  static uint64_t count_line_ends(const char* p, size_t n) {
    uint64_t count = 0;
    size_t i = 0;
    const __m128i nl = _mm_set1_epi8('\n');
    for (; i + 16 <= n; i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      count += static_cast<uint64_t>(__builtin_popcount(
          static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)))));
    }
    for (; i < n; ++i) count += p[i] == '\n' ? 1 : 0;
    return count;
  }

  // The line [line_start_, end) ended (its text, for a cut rule, in partial_).
  void end_line(uint64_t end) {
    ++line_;
    std::string_view text = partial_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    // Every line goes to the rule (it may keep state), not only candidates.
    const bool cut_allowed = rule_ == nullptr || rule_->cut_before(text);
    // The cut goes before this line, so it is decided when the line is seen.
    if (cut_allowed && line_start_ - block_start_ >= limits::kTextBlockBytes) {
      close_block(line_start_, line_);
    }
    if (end - line_start_ > limits::kTextMaxLineBytes + 2) {  // + CRLF
      close_block(line_start_, line_);
      input_.blocks.push_back({line_start_, end, line_, true});
      block_start_ = end;
      block_line_ = line_ + 1;
    }
    line_start_ = end;
    partial_.clear();
  }

  void close_block(uint64_t end, uint64_t next_line = 0) {
    if (end > block_start_) input_.blocks.push_back({block_start_, end, block_line_, false});
    block_start_ = end;
    block_line_ = next_line ? next_line : line_ + 1;
  }

  TextInput& input_;
  std::unique_ptr<CutRule> rule_;
  std::string partial_;
  uint64_t line_ = 0;
  uint64_t line_start_ = 0;
  uint64_t block_start_ = 0;
  uint64_t block_line_ = 1;
};

}  // namespace

const Format* recognise(std::span<const Format* const> formats, std::string_view head,
                        std::string_view path) {
  const Format* best = nullptr;
  int best_score = 0;
  for (const Format* f : formats) {
    const int score = f->sniff(head, path);
    if (score > best_score) {
      best = f;
      best_score = score;
    }
  }
  return best;
}

Result<TextInput> plan_text_input(const std::string& path, const PlanOptions& options,
                                  FieldNames& names) {
  TextInput input;
  input.path = path;
  const bool from_stdin = path == "-";
  File file;
  FileFacts facts;
  facts.path = path;
  if (from_stdin) {
    file = File(::dup(STDIN_FILENO));
  } else {
    auto f = File::open_read(path);
    if (!f.ok()) return input_error(Errc::kIoError, path, f.error().message);
    file = std::move(f.value());
    struct stat st {};
    if (::fstat(file.fd(), &st) == 0) facts.mtime_seconds = st.st_mtim.tv_sec;
  }
  FdSource raw(file.fd());
  auto magic = read_prefix(raw, 4);
  if (!magic.ok()) return input_error(Errc::kIoError, path, magic.error().message);
  input.compression = compression_of(*magic);
  PrefixedSource plain(*magic, raw);
  std::unique_ptr<Source> decoder;
  if (input.compression == Compression::kGzip) decoder = std::make_unique<GzipSource>(plain);
  if (input.compression == Compression::kZstd) decoder = std::make_unique<ZstdSource>(plain);
  Source& source = decoder ? *decoder : plain;

  auto head = read_prefix(source, limits::kTextHeadBytes);
  if (!head.ok()) return input_error(head.error().code, path, head.error().message, head.error().offset);
  const std::string_view lines_head = whole_lines(*head);
  const Format* format = options.format ? options.format : recognise(options.formats, lines_head, path);
  if (format == nullptr) {
    return input_error(Errc::kUnsupported, path, "not a log format vigil recognises");
  }
  input.format = format;
  auto context = format->open(lines_head, facts, options.read, names);
  if (!context.ok()) {
    Error e = context.take_error();
    e.source = path;
    return e;
  }
  input.context = std::move(context.value());

  Planner planner(*format, input);
  const bool spooled = from_stdin || input.compression != Compression::kNone;
  if (spooled) {
    auto spool = make_spool(options.temp_dir);
    if (!spool.ok()) return input_error(Errc::kIoError, path, spool.error().message);
    input.spool = std::make_shared<File>(std::move(spool.value()));
  }
  // One pass over the whole input: count lines, cut blocks, and (for
  // compressed input and stdin) write the decompressed bytes to the spool.
  uint64_t offset = 0;
  std::string piece = std::move(head.value());
  for (;;) {
    if (piece.empty()) break;
    planner.feed(piece, offset);
    if (spooled) {
      if (offset + piece.size() > limits::kTextMaxSpoolBytes) {
        return input_error(Errc::kLimitExceeded, path,
                           "decompressed input exceeds " +
                               std::to_string(limits::kTextMaxSpoolBytes >> 30) + " GiB");
      }
      if (auto w = write_all(input.spool->fd(), piece.data(), piece.size()); !w.ok()) {
        return input_error(Errc::kIoError, path, w.error().message);
      }
    }
    offset += piece.size();
    piece.resize(kReadPiece);
    size_t got = 0;
    while (got < piece.size()) {
      auto n = source.read(piece.data() + got, piece.size() - got);
      if (!n.ok()) {
        // What decompressed before the damage is still read; the damage
        // itself is the input's error only when nothing came out at all.
        if (offset + got == 0) return input_error(n.error().code, path, n.error().message, n.error().offset);
        input.damage = n.error().message;
        input.damage_offset = offset + got;
        break;
      }
      if (*n == 0) break;
      got += *n;
    }
    piece.resize(got);
    if (!input.damage.empty()) {
      if (!piece.empty()) {
        planner.feed(piece, offset);
        if (spooled) (void)write_all(input.spool->fd(), piece.data(), piece.size());
        offset += piece.size();
      }
      break;
    }
  }
  input.size = offset;
  planner.finish(offset);
  return input;
}

namespace detail {

Result<void> read_block(const TextInput& input, TextWorker& worker, uint32_t index,
                        const TextBlock& block) {
  int fd = -1;
  if (input.spool) {
    fd = input.spool->fd();
  } else {
    if (worker.file_input != index) {
      worker.file_input = UINT32_MAX;
      auto f = File::open_read(input.path);
      if (!f.ok()) return f.error();
      worker.file = std::move(f.value());
      worker.file_input = index;
    }
    fd = worker.file.fd();
  }
  worker.buffer.resize(block.end - block.begin);
  auto n = read_at(fd, block.begin, reinterpret_cast<uint8_t*>(worker.buffer.data()),
                   worker.buffer.size());
  if (!n.ok()) return n.error();
  worker.buffer.resize(*n);  // a file that shrank since planning: what is left
  return {};
}

}  // namespace detail
}  // namespace vigil::read
