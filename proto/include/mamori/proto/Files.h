#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace mamori::proto {

// Whole-file reads and crash-safe writes (temp file, fsync, rename): a reader sees the old file
// or the new one, never half of either. Keys and configs are created with their final mode.
class Files {
public:
    static std::string read(const std::filesystem::path& file);  // throws std::runtime_error
    static void writeAtomic(const std::filesystem::path& file, std::string_view data, unsigned mode = 0644);
};

}  // namespace mamori::proto
