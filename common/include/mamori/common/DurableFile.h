#pragma once
#include <filesystem>
#include <string>

namespace mamori::common {

// A file that someone else writes (a SQLite write-ahead log) and whose data we flush to disk
// ourselves, outside the writer's lock. It is kept open between flushes; if the path has come
// to name another file (the log was replaced), the new one is opened, and its directory entry
// made durable too, before flushing. Not thread-safe: the owner serializes flushes.
class DurableFile {
public:
    explicit DurableFile(std::filesystem::path path);
    ~DurableFile();
    DurableFile(const DurableFile&) = delete;
    DurableFile& operator=(const DurableFile&) = delete;

    // fdatasync of the file; throws std::runtime_error when the data may not be on disk.
    void syncData();

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace mamori::common
