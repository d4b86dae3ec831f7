#pragma once
// Sessions the test logs on and off; remembers which ones the control logged off or locked.
#include <algorithm>
#include <string>
#include <vector>

#include "mamori/platform/SessionMonitor.h"

namespace mamori::test {

class ScriptedSessionMonitor final : public mamori::platform::SessionMonitor {
public:
    using Session = mamori::platform::Session;
    using Kind = mamori::platform::SessionChange::Kind;

    void start(Listener listener) override { listener_ = std::move(listener); }
    std::vector<Session> active() const override { return active_; }
    bool logoff(const Session& s) override {
        logged_off.push_back(s);
        return true;
    }
    std::optional<std::chrono::milliseconds> idle(const Session&) const override { return std::nullopt; }
    // Like logind when lockable is set: the lock is asked of the OS and succeeds.
    bool lock(const Session& s, LockDone done) override {
        if (!lockable) return false;
        locked.push_back(s);
        done(true, "logind LockSession");
        return true;
    }

    // Already logged on before the agent started.
    void existing(const Session& s) { active_.push_back(s); }
    void logon(const Session& s) {
        active_.push_back(s);
        if (listener_) listener_({Kind::Logon, s, s.start_unix, {}});
    }
    void logout(const Session& s, int64_t when) {
        std::erase(active_, s);
        if (listener_) listener_({Kind::Logoff, s, when, {}});
    }
    void failed(const Session& s, int64_t when, const std::string& btmp_position = {}) {
        if (listener_) listener_({Kind::LogonFailed, s, when, btmp_position});
    }

    std::vector<Session> logged_off;
    std::vector<Session> locked;
    bool lockable = false;

private:
    Listener listener_;
    std::vector<Session> active_;
};

}  // namespace mamori::test
