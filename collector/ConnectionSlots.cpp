#include "collector/ConnectionSlots.h"

namespace mamori::collector {

ConnectionSlots::ConnectionSlots(size_t max_total, size_t max_per_address) : state_(std::make_shared<State>()) {
    state_->max_total = max_total;
    state_->max_per_address = max_per_address;
}

std::unique_ptr<ConnectionSlots::Slot> ConnectionSlots::take(const std::string& address, std::string& why) {
    std::lock_guard lock(state_->mutex);
    if (state_->total >= state_->max_total) {
        why = std::to_string(state_->total) + " connections in use, the limit of this listener";
        return nullptr;
    }
    size_t& mine = state_->per_address[address];
    if (mine >= state_->max_per_address) {
        why = std::to_string(mine) + " connections from " + address + ", the limit for one address";
        return nullptr;
    }
    ++mine;
    ++state_->total;
    return std::make_unique<Slot>(state_, address);
}

size_t ConnectionSlots::inUse() const {
    std::lock_guard lock(state_->mutex);
    return state_->total;
}

ConnectionSlots::Slot::~Slot() {
    std::lock_guard lock(state_->mutex);
    --state_->total;
    auto it = state_->per_address.find(address_);
    if (it != state_->per_address.end() && --it->second == 0) state_->per_address.erase(it);
}

}  // namespace mamori::collector
