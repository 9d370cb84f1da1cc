#include "vigil/core/input.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class InputTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::path(testing::TempDir()) /
            ("vigil_input_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string write(const std::string& relative, const std::string& content = "x") {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  std::string at(const std::string& relative) const { return (root_ / relative).string(); }

  fs::path root_;
};

TEST_F(InputTest, FolderIsWalkedRecursivelyAndSorted) {
  write("b.evtx");
  write("a.evtx");
  write("sub/c.evtx");
  write("sub/deeper/d.evtx");
  write("a.b");
  write("a/x");
  fs::create_directories(root_ / "empty");
  std::vector<Error> errors;
  const std::vector<std::string> inputs{root_.string()};
  const std::vector<std::string> files = expand_inputs(inputs, errors);
  EXPECT_TRUE(errors.empty());
  // Plain byte order of the whole path: '.' sorts before '/'.
  const std::vector<std::string> expected{at("a.b"),    at("a.evtx"),     at("a/x"),
                                          at("b.evtx"), at("sub/c.evtx"), at("sub/deeper/d.evtx")};
  EXPECT_EQ(files, expected);
}

TEST_F(InputTest, ManyInputsAreMergedSortedAndDeduplicated) {
  const std::string z = write("z.evtx");
  const std::string m = write("dir/m.evtx");
  const std::string a = write("dir/a.evtx");
  std::vector<Error> errors;
  const std::vector<std::string> inputs{z, at("dir"), m, z};
  const std::vector<std::string> files = expand_inputs(inputs, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(files, (std::vector<std::string>{a, m, z}));
}

TEST_F(InputTest, MissingPathsAreReportedAndTheRestListed) {
  const std::string present = write("present.evtx");
  std::vector<Error> errors;
  const std::vector<std::string> inputs{at("missing.evtx"), present, at("no/such/folder")};
  const std::vector<std::string> files = expand_inputs(inputs, errors);
  EXPECT_EQ(files, std::vector<std::string>{present});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].source, at("missing.evtx"));
  EXPECT_EQ(errors[1].source, at("no/such/folder"));
  for (const Error& e : errors) {
    EXPECT_NE(e.code, Errc::kOk);
    EXPECT_FALSE(e.message.empty());
    EXPECT_NE(e.to_string().find(e.source), std::string::npos);
  }
}

TEST_F(InputTest, NonRegularFilesAreReported) {
  ASSERT_EQ(::mkfifo(at("pipe").c_str(), 0600), 0);
  std::vector<Error> errors;
  const std::vector<std::string> inputs{at("pipe")};
  EXPECT_TRUE(expand_inputs(inputs, errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, Errc::kInvalidArgument);
  EXPECT_EQ(errors[0].source, at("pipe"));
  // Inside a folder, such entries are simply not evidence files.
  errors.clear();
  write("f.evtx");
  const std::vector<std::string> folder{root_.string()};
  EXPECT_EQ(expand_inputs(folder, errors), std::vector<std::string>{at("f.evtx")});
  EXPECT_TRUE(errors.empty());
}

TEST_F(InputTest, SymlinkLoopsTerminate) {
  write("real/f.evtx");
  fs::create_directory_symlink(root_, root_ / "real" / "loop");
  fs::create_directory_symlink(root_ / "real", root_ / "alias");
  std::vector<Error> errors;
  const std::vector<std::string> inputs{root_.string()};
  const std::vector<std::string> files = expand_inputs(inputs, errors);
  // Linked folders are not followed, so each file is listed once.
  EXPECT_EQ(files, std::vector<std::string>{at("real/f.evtx")});
  EXPECT_TRUE(errors.empty());
}

TEST_F(InputTest, NamedSymlinkToFolderIsFollowed) {
  write("real/f.evtx");
  fs::create_directory_symlink(root_ / "real", root_ / "alias");
  std::vector<Error> errors;
  const std::vector<std::string> inputs{at("alias")};
  EXPECT_EQ(expand_inputs(inputs, errors), std::vector<std::string>{at("alias/f.evtx")});
  EXPECT_TRUE(errors.empty());
}

TEST_F(InputTest, EmptyInputList) {
  std::vector<Error> errors;
  EXPECT_TRUE(expand_inputs({}, errors).empty());
  EXPECT_TRUE(errors.empty());
}

TEST_F(InputTest, ReadAt) {
  const std::string path = write("data.bin", "0123456789");
  auto file = File::open_read(path);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  ASSERT_TRUE(file->size().ok());
  EXPECT_EQ(file->size().value(), 10u);

  uint8_t buffer[16] = {};
  auto n = read_at(file->fd(), 2, buffer, 4);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), 4), "2345");
  n = read_at(file->fd(), 7, buffer, sizeof buffer);  // short read only at the end
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), 3), "789");
  n = read_at(file->fd(), 1000, buffer, sizeof buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  auto bad = read_at(-1, 0, buffer, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kIoError);
}

TEST_F(InputTest, FileOwnership) {
  auto missing = File::open_read(at("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kIoError);
  EXPECT_EQ(missing.error().source, at("missing"));

  auto opened = File::open_read(write("f", "abc"));
  ASSERT_TRUE(opened.ok());
  File first = std::move(opened.value());
  const int fd = first.fd();
  EXPECT_GE(fd, 0);
  File second(std::move(first));
  EXPECT_EQ(first.fd(), -1);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(second.fd(), fd);
  File third;
  third = std::move(second);
  EXPECT_EQ(third.fd(), fd);
  EXPECT_GE(::fcntl(fd, F_GETFD), 0);
  third = File();
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed exactly when its owner let go
}

TEST_F(InputTest, ReadFileGivesTheWholeFileWithinItsLimit) {
  const std::string path = write("rule.yml", std::string(1000, 'r'));
  auto text = read_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, std::string(1000, 'r'));
  auto exact = read_file(path, 1000);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), 1000u);
  auto over = read_file(path, 999);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(over.error().source, path);
  auto missing = read_file(at("absent.yml"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kIoError);
  EXPECT_EQ(missing.error().source, at("absent.yml"));
}

}  // namespace
}  // namespace vigil
