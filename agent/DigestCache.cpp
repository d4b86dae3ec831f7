#include "agent/DigestCache.h"

namespace mamori::agent {

const FileDigests* DigestCache::find(const mamori::platform::FileIdentity& id) {
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
}

void DigestCache::put(const mamori::platform::FileIdentity& id, FileDigests digests) {
    if (auto it = map_.find(id); it != map_.end()) {
        it->second->second = std::move(digests);
        order_.splice(order_.begin(), order_, it->second);
        return;
    }
    order_.emplace_front(id, std::move(digests));
    map_.emplace(id, order_.begin());
    if (map_.size() > capacity_) {
        map_.erase(order_.back().first);
        order_.pop_back();
    }
}

}  // namespace mamori::agent
