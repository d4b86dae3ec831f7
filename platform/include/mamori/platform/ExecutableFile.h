#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "mamori/platform/FileIdentity.h"

namespace mamori::platform {

// A file as the kernel opened it for execution: reading it yields the bytes about to run, not
// whatever a path names by the time we look.
class ExecutableFile {
public:
    virtual ~ExecutableFile() = default;
    virtual const std::string& path() const = 0;
    virtual const FileIdentity& identity() const = 0;
    // Feeds the whole content, from the start, to chunk. Blocking: the work pool only, never the reactor.
    // false when the file could not be read to the end.
    virtual bool read(const std::function<void(std::string_view)>& chunk) const = 0;

    // The size of the chunks a file is digested in. Small, because every page of the buffer is
    // touched and stays in the agent's resident memory until the minute's release gives it back;
    // 64 KiB is still only 16 reads per megabyte digested.
    static constexpr size_t kChunkBytes = 64 * 1024;
};

}  // namespace mamori::platform
