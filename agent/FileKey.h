#pragma once
#include <string>

#include "mamori/platform/FileIdentity.h"

namespace mamori::agent {

// A file named by its path and its identity: a key that changes whenever the file does, so a
// finding reported once for a file is reported again for what replaced it.
inline std::string fileKey(const std::string& path, const mamori::platform::FileIdentity& id) {
    return path + "\n" + std::to_string(id.device) + ":" + std::to_string(id.inode) + ":" + std::to_string(id.size) +
           ":" + std::to_string(id.mtime_ns) + ":" + std::to_string(id.ctime_ns);
}

}  // namespace mamori::agent
