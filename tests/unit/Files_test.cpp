#include "mamori/common/Files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mamori::common::Files;

class FilesRead : public ::testing::Test {
protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / ("mamori-files-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST_F(FilesRead, ReadsAFileWholeBytesAsTheyAreAcrossManyChunks) {
    std::string data;
    for (int i = 0; i < 70000; ++i) data += static_cast<char>(i % 251);  // NULs and high bytes, over 4 chunks
    Files::writeAtomic(dir / "f", data);
    EXPECT_EQ(Files::read(dir / "f"), data);
    Files::writeAtomic(dir / "empty", "");
    EXPECT_EQ(Files::read(dir / "empty"), "");
}

TEST_F(FilesRead, ReadsAFileTheKernelMakesWithoutASize) {
    // /proc files say they are empty; only reading to the end finds their content.
    EXPECT_NE(Files::read("/proc/self/status").find("Pid:"), std::string::npos);
}

TEST_F(FilesRead, AMissingFileOrADirectoryIsAnErrorNamingIt) {
    try {
        Files::read(dir / "missing");
        FAIL() << "a missing file was read";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((dir / "missing").string()), std::string::npos) << e.what();
    }
    // A directory opens, but is not a file to read: never an empty answer.
    EXPECT_THROW(Files::read(dir), std::runtime_error);
}

// Lines of every length, some far longer than a chunk, so that chunks cut lines everywhere.
TEST_F(FilesRead, HandsEveryLineWholeWhereverAChunkCutsIt) {
    std::vector<std::string> lines;
    std::string data;
    for (int i = 0; i < 400; ++i) {
        lines.push_back(std::string(static_cast<size_t>(i * 97 % 40000), static_cast<char>('a' + i % 26)) +
                        std::to_string(i));
        data += lines.back() + "\n";
    }
    lines.push_back("");  // an empty line
    data += "\n";
    lines.push_back("the last, without a newline");
    data += lines.back();
    ASSERT_GT(data.size(), 200000u);
    Files::writeAtomic(dir / "f", data);
    std::vector<std::string> seen;
    EXPECT_FALSE(Files::anyLine(dir / "f", [&](std::string_view l) {
        seen.emplace_back(l);
        return false;
    }));
    EXPECT_EQ(seen, lines);
}

TEST_F(FilesRead, StopsAtTheFirstLineAskedFor) {
    Files::writeAtomic(dir / "f", "one\ntwo\nthree\n");
    std::vector<std::string> seen;
    EXPECT_TRUE(Files::anyLine(dir / "f", [&](std::string_view l) {
        seen.emplace_back(l);
        return l == "two";
    }));
    EXPECT_EQ(seen, (std::vector<std::string>{"one", "two"}));
    Files::writeAtomic(dir / "empty", "");
    EXPECT_FALSE(Files::anyLine(dir / "empty", [](std::string_view) { return true; })) << "an empty file has no line";
}

TEST_F(FilesRead, LinesOfAMissingFileOrADirectoryAreAnErrorNamingIt) {
    const auto nothing = [](std::string_view) { return true; };
    try {
        Files::anyLine(dir / "missing", nothing);
        FAIL() << "a missing file was read";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((dir / "missing").string()), std::string::npos) << e.what();
    }
    EXPECT_THROW(Files::anyLine(dir, nothing), std::runtime_error);
}

}  // namespace
