#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/ControlContext.h"
#include "agent/ConditionLedger.h"
#include "agent/SoftwareOutbox.h"
#include "agent/SoftwareRules.h"
#include "mamori/platform/InstalledSoftware.h"
#include "mamori/platform/SoftwareInventory.h"

namespace mamori::agent {

// The installed packages: read once at start, read again on the work pool whenever the package
// database changes, and compared with the allowlist. An unapproved package is a standing
// condition: SOFTWARE_UNAPPROVED_INSTALLED once per version (outcome REPORTED, or MONITORED in
// monitor mode: nothing is removed), then SOFTWARE_REMOVED once it is gone or SOFTWARE_APPROVED
// once the policy approves it. The ledger on disk keeps what was reported across restarts; it
// is written only after the events it records are journaled. Lives on the reactor.
class PackageAudit : public std::enable_shared_from_this<PackageAudit> {
public:
    PackageAudit(ControlContext ctx, mamori::platform::SoftwareInventory& inventory, std::shared_ptr<SoftwareOutbox> outbox);

    // The first read, on the reactor: judging execs needs to know who owns what, and no exec is
    // held before it. Then follows the database, calling on_changed with each new snapshot.
    void start(std::function<void()> on_changed);
    bool started() const { return installed_ != nullptr; }
    const std::shared_ptr<const mamori::platform::InstalledSoftware>& installed() const { return installed_; }

    // Reports what the rules do not approve and what was removed since the last time.
    void reconcile(const SoftwareRules& rules);

private:
    void reload();
    void reloaded(std::shared_ptr<const mamori::platform::InstalledSoftware> snapshot, const std::string& error);

    ControlContext ctx_;
    mamori::platform::SoftwareInventory& inventory_;
    std::shared_ptr<SoftwareOutbox> outbox_;
    // Ledger file name and format are those of earlier agents, so an upgrade keeps its state.
    ConditionLedger ledger_;
    // What has been reported (name -> version) including what is still in the outbox; the
    // ledger catches up with it once the outbox has journaled those events.
    std::map<std::string, std::string> reported_;
    std::function<void()> on_changed_;
    std::shared_ptr<const mamori::platform::InstalledSoftware> installed_;
    bool reloading_ = false, reload_again_ = false;
};

}  // namespace mamori::agent
