#include "mamori/common/Files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

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

}  // namespace
