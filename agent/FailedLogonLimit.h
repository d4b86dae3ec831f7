#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "agent/ConditionLedger.h"

namespace mamori::agent {

// Failed logons of each user counted in a sliding window by each record's own time (002:886):
// the failure that brings a user's count within the window to the limit is a crossing, reported
// once; the 4th, 5th ... in the same window are not, and only once the window has emptied below
// the limit can the limit be reached again. The recent failures are kept on disk, so a restart
// neither forgets a burst under way nor reports its crossing again. Pure bookkeeping, on the
// reactor; HoursControl reports what it says.
class FailedLogonLimit {
public:
    // Users tracked at once; past this (a spray of made-up names), those whose last failure
    // is oldest are forgotten first.
    static constexpr size_t kMaxUsers = 1000;

    explicit FailedLogonLimit(const std::filesystem::path& ledger_file);

    void setLimit(uint32_t limit, std::chrono::minutes window);
    // A failed logon of user at time_unix (the record's own time). The number of failures in the
    // window when this one is the crossing; nullopt otherwise.
    std::optional<uint32_t> failed(const std::string& user, int64_t time_unix);

private:
    struct Recent {
        std::deque<int64_t> times;  // ascending
        bool reported = false;      // this run above the limit has been reported
    };
    void prune(Recent& r) const;
    void save();

    uint32_t limit_ = 3;
    int64_t window_s_ = 600;
    std::map<std::string, Recent> users_;
    ConditionLedger ledger_;  // user -> "<reported 0|1> <time> <time> ..."
};

}  // namespace mamori::agent
