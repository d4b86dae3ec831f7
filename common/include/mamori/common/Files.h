#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace mamori::common {

// Whole-file reads and crash-safe writes: a reader sees the old file or the new one, never half
// of either, and after writeAtomic returns the new one survives a power loss (the data and the
// directory entry are both on disk). Keys and configs are created with their final mode.
class Files {
public:
    static std::string read(const std::filesystem::path& file);  // throws std::runtime_error
    // Hands `line` each line of the file, without its newline, until it returns true; returns
    // whether one did. Reads 16 KiB at a time, so a file of megabytes is never held whole.
    // Throws std::runtime_error, naming the file, when it cannot be opened or read.
    static bool anyLine(const std::filesystem::path& file, const std::function<bool(std::string_view)>& line);
    // Temp file, write, fsync, rename over `file`, fsync of the directory.
    static void writeAtomic(const std::filesystem::path& file, std::string_view data, unsigned mode = 0644);
    // writeAtomic with mode 0600 from the first byte: keys and tokens, never readable by others.
    static void writeSecret(const std::filesystem::path& file, std::string_view data) { writeAtomic(file, data, 0600); }
    // Creates `file` empty with `mode` if it does not exist (an existing one is left as it is),
    // so that a database or journal opened afterwards is never briefly readable by others.
    static void createIfMissing(const std::filesystem::path& file, unsigned mode);
    // Creates `file` empty with `mode`, or sets an existing one to `mode`; refuses a symbolic
    // link. For evidence whose mode must be right whoever made the file first.
    static void createWithMode(const std::filesystem::path& file, unsigned mode);
    // Makes the directory's entries (a rename, a new file) durable.
    static void syncDirectory(const std::filesystem::path& dir);
    // Takes every permission for group and others away from an existing file; returns whether
    // it had any. A missing file is left alone. Throws std::runtime_error (with what to run, in
    // English and Japanese) when the mode cannot be changed.
    static bool restrictToOwner(const std::filesystem::path& file);
};

}  // namespace mamori::common
