#pragma once
#include <functional>
#include <memory>
#include <string>

#include "agent/ControlContext.h"
#include "agent/InventoryLedger.h"
#include "agent/SoftwareOutbox.h"
#include "agent/SoftwareRules.h"
#include "mamori/platform/InstalledSoftware.h"
#include "mamori/platform/SoftwareInventory.h"

namespace mamori::agent {

// The installed packages: read once at start, read again on the work pool whenever the package
// database changes, and compared with the allowlist. An unapproved package is reported once per
// version, a removed one once (the ledger on disk keeps this across restarts). Lives on the reactor.
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
    InventoryLedger ledger_;
    std::function<void()> on_changed_;
    std::shared_ptr<const mamori::platform::InstalledSoftware> installed_;
    bool reloading_ = false, reload_again_ = false;
};

}  // namespace mamori::agent
