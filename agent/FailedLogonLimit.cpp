#include "agent/FailedLogonLimit.h"

#include <algorithm>
#include <sstream>

namespace mamori::agent {

FailedLogonLimit::FailedLogonLimit(const std::filesystem::path& ledger_file) : ledger_(ledger_file) {
    for (const auto& [user, text] : ledger_.open()) {
        std::istringstream in(text);
        Recent r;
        int reported = 0;
        if (!(in >> reported)) continue;
        r.reported = reported != 0;
        for (int64_t t; in >> t;) r.times.push_back(t);
        std::sort(r.times.begin(), r.times.end());
        if (!r.times.empty()) users_[user] = std::move(r);
    }
}

void FailedLogonLimit::setLimit(uint32_t limit, std::chrono::minutes window) {
    limit_ = std::max<uint32_t>(limit, 1);
    window_s_ = std::max<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(window).count(), 1);
}

// Only failures in (newest - window, newest] count.
void FailedLogonLimit::prune(Recent& r) const {
    if (r.times.empty()) return;
    const int64_t from = r.times.back() - window_s_;
    while (!r.times.empty() && r.times.front() <= from) r.times.pop_front();
}

std::optional<uint32_t> FailedLogonLimit::failed(const std::string& user, int64_t time_unix) {
    // A record without a name is still a failure; the ledger needs a key for it.
    Recent& r = users_[user.empty() ? "(unknown)" : user];
    r.times.insert(std::upper_bound(r.times.begin(), r.times.end(), time_unix), time_unix);
    prune(r);
    const auto count = static_cast<uint32_t>(r.times.size());
    std::optional<uint32_t> crossing;
    if (count < limit_) {
        r.reported = false;  // the window has emptied below the limit
    } else if (!r.reported) {
        r.reported = true;
        crossing = count;
    }
    // Users whose failures have all left their window are forgotten; so are the stalest when a
    // spray of names would make the ledger grow without bound.
    const int64_t now = r.times.back();
    std::erase_if(users_, [&](const auto& u) { return !u.second.times.empty() && u.second.times.back() <= now - window_s_; });
    while (users_.size() > kMaxUsers) {
        auto stalest = std::min_element(users_.begin(), users_.end(), [](const auto& a, const auto& b) {
            return a.second.times.back() < b.second.times.back();
        });
        users_.erase(stalest);
    }
    save();
    return crossing;
}

void FailedLogonLimit::save() {
    std::map<std::string, std::string> open;
    for (const auto& [user, r] : users_) {
        std::string text = r.reported ? "1" : "0";
        for (const int64_t t : r.times) text += " " + std::to_string(t);
        open[user] = std::move(text);
    }
    ledger_.replace(std::move(open));
}

}  // namespace mamori::agent
