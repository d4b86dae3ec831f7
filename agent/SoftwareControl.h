#pragma once
#include <memory>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "mamori/platform/ExecutableFinder.h"
#include "mamori/platform/ProcessWatch.h"
#include "mamori/platform/SoftwareInventory.h"

namespace mamori::agent {

// Unapproved software (無許可ソフトウェア, REQUIREMENTS §3): the installed packages compared with
// the allowlist (000:121, 004:794), executables no package owns in user-writable places, and
// every program start on the watched filesystems judged by package, SHA-256 and path.
//
// Enforce holds each exec until it is judged and refuses unapproved ones; monitor only observes
// (no exec ever waits) and reports. Reading a large program happens on a small pool, never on
// the reactor, and the platform's deadline answers any exec the pool has not finished with.
class SoftwareControl final : public Control {
public:
    struct Platform {
        std::unique_ptr<mamori::platform::SoftwareInventory> inventory;
        std::unique_ptr<mamori::platform::ProcessWatch> watch;
        std::unique_ptr<mamori::platform::ExecutableFinder> finder;
    };

    // The real platform: dpkg at the configured paths, fanotify, the filesystem.
    static std::unique_ptr<SoftwareControl> create(ControlContext ctx);
    SoftwareControl(ControlContext ctx, Platform platform);
    ~SoftwareControl() override;

    const char* name() const override { return "software"; }
    bool check(const mamori::v1::Policy& policy, std::string& why) override;
    void apply(const mamori::v1::Policy& policy) override;

private:
    class Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace mamori::agent
