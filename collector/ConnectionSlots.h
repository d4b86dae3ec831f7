#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mamori::collector {

// Counts the connections a listener holds, overall and per source address, so that one client
// (or a crowd of them) cannot take every socket and every buffer before authenticating. A slot
// is taken when a connection is accepted and given back when its Slot is destroyed, from any
// thread.
class ConnectionSlots {
    struct State {
        size_t max_total = 0, max_per_address = 0;
        std::mutex mutex;
        size_t total = 0;
        std::map<std::string, size_t> per_address;
    };

public:
    ConnectionSlots(size_t max_total, size_t max_per_address);

    class Slot {
    public:
        Slot(std::shared_ptr<State> state, std::string address) : state_(std::move(state)), address_(std::move(address)) {}
        ~Slot();
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

    private:
        std::shared_ptr<State> state_;
        std::string address_;
    };

    // A slot for a connection from `address`, or nothing when a cap is reached; `why` then says
    // which cap, for the log.
    std::unique_ptr<Slot> take(const std::string& address, std::string& why);
    size_t inUse() const;

private:
    std::shared_ptr<State> state_;
};

}  // namespace mamori::collector
