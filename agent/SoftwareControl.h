#pragma once
#include <memory>

#include "agent/Control.h"
#include "agent/ControlContext.h"
#include "agent/LocallyDisabledControl.h"
#include "agent/SoftwareRules.h"
#include "mamori/platform/ExecutableFinder.h"
#include "mamori/platform/ProcessWatch.h"
#include "mamori/platform/SoftwareInventory.h"

namespace mamori::agent {

class ExecJudge;
class PackageAudit;
class SoftwareOutbox;
class UnmanagedScan;

// Unapproved software (無許可ソフトウェア, REQUIREMENTS §3): the installed packages compared with
// the allowlist (000:121, 004:794), executables no package owns in user-writable places, and
// every program start on the watched filesystems judged by package, SHA-256 and path.
//
// Enforce holds each exec until it is judged and refuses unapproved ones; monitor only observes
// (no exec ever waits) and reports. Switched off in agent.conf (software_control = off, for hosts
// where another product holds fanotify), it does nothing but report that it is off: a policy
// always asks for it, so that is a standing violation (CONTROL_DISABLED_LOCALLY). Reading a
// large program happens on the agent's work pool, never on the reactor, and the platform's
// deadline answers any exec not judged in time.
//
// The coordinator of its parts: PackageAudit (installed packages), ExecJudge (program starts),
// UnmanagedScan (executables no package owns), all reporting through one SoftwareOutbox. It
// hands each of them the rules in force and the package database of the moment.
class SoftwareControl final : public Control {
public:
    struct Platform {
        std::unique_ptr<mamori::platform::SoftwareInventory> inventory;
        std::unique_ptr<mamori::platform::ProcessWatch> watch;
        std::unique_ptr<mamori::platform::ExecutableFinder> finder;
    };

    // The real platform: dpkg at the configured paths, fanotify, the filesystem.
    static std::unique_ptr<SoftwareControl> create(ControlContext ctx);
    // The work pool of ctx must be stopped before this is destroyed.
    SoftwareControl(ControlContext ctx, Platform platform);
    ~SoftwareControl() override;

    const char* name() const override { return "software"; }
    bool check(const mamori::v1::Policy& policy, std::string& why) override;
    void apply(const mamori::v1::Policy& policy) override;

private:
    void inventoryChanged();
    void scan();

    ControlContext ctx_;
    Platform platform_;  // first: the parts below use it until they go
    std::shared_ptr<SoftwareOutbox> outbox_;
    std::shared_ptr<PackageAudit> packages_;
    std::shared_ptr<ExecJudge> judge_;
    std::shared_ptr<UnmanagedScan> scan_;
    LocallyDisabledControl local_;  // software_control = off in agent.conf
    mamori::v1::SoftwarePolicy policy_;
    std::shared_ptr<const SoftwareRules> rules_;
    bool disabled_logged_ = false;
};

}  // namespace mamori::agent
