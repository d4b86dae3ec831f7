#pragma once
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

#include "agent/FileDigests.h"
#include "mamori/platform/FileIdentity.h"

namespace mamori::agent {

// Digests by file identity, least recently used dropped first: a program run again costs no
// read at all, and the cache stays bounded however many distinct files a terminal runs.
class DigestCache {
public:
    explicit DigestCache(size_t capacity) : capacity_(capacity) {}

    const FileDigests* find(const mamori::platform::FileIdentity& id);
    void put(const mamori::platform::FileIdentity& id, FileDigests digests);
    size_t size() const { return map_.size(); }

private:
    using Entry = std::pair<mamori::platform::FileIdentity, FileDigests>;
    size_t capacity_;
    std::list<Entry> order_;  // most recent first
    std::unordered_map<mamori::platform::FileIdentity, std::list<Entry>::iterator, mamori::platform::FileIdentityHash> map_;
};

}  // namespace mamori::agent
