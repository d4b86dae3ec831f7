#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mamori/platform/FileIdentity.h"

namespace mamori::platform {

struct FoundExecutable {
    std::string path;
    FileIdentity identity;
    uint32_t owner_uid = 0;
};

// Regular files with an execute bit under the given directories (user-writable places where
// downloads land). Does not follow symbolic links or descend into other filesystems.
class ExecutableFinder {
public:
    virtual ~ExecutableFinder() = default;
    // Blocking: call it off the reactor. Stops after max_entries directory entries, so a huge
    // home directory costs bounded time. Unreadable directories are skipped.
    virtual std::vector<FoundExecutable> find(const std::vector<std::string>& roots, size_t max_entries) const = 0;
};

std::unique_ptr<ExecutableFinder> executableFinder();

}  // namespace mamori::platform
