#include "agent/PackageAudit.h"

#include <boost/asio/post.hpp>
#include <map>

#include "mamori/common/Log.h"
#include "mamori/platform/ResidentMemory.h"

namespace mamori::agent {

namespace asio = boost::asio;
namespace v1 = mamori::v1;
using mamori::platform::InstalledSoftware;

namespace {

// Reading the package database briefly takes megabytes (every .list file, the previous
// snapshot) that malloc keeps once freed; give them back, or the resident agent holds them all
// day. On the work pool: the reactor does not wait for it.
void releaseMemory(const asio::any_io_executor& work) {
    asio::post(work, [] { mamori::platform::ResidentMemory::release(); });
}

}  // namespace

PackageAudit::PackageAudit(ControlContext ctx, mamori::platform::SoftwareInventory& inventory,
                           std::shared_ptr<SoftwareOutbox> outbox)
    : ctx_(ctx), inventory_(inventory), outbox_(std::move(outbox)), ledger_(ctx.config.state_dir / "software-reported"),
      reported_(ledger_.open()) {}

void PackageAudit::start(std::function<void()> on_changed) {
    on_changed_ = std::move(on_changed);
    try {
        installed_ = inventory_.load();
    } catch (const std::exception& e) {
        Log::error(std::string("software inventory: ") + e.what());
        installed_ = std::make_shared<const InstalledSoftware>();
    }
    std::weak_ptr<PackageAudit> weak = weak_from_this();
    inventory_.watch([weak] {
        if (auto self = weak.lock()) self->reload();
    });
    releaseMemory(ctx_.work);
}

void PackageAudit::reload() {
    if (reloading_) {
        reload_again_ = true;
        return;
    }
    reloading_ = true;
    const auto* inventory = &inventory_;
    std::weak_ptr<PackageAudit> weak = weak_from_this();
    auto reactor = ctx_.executor;
    asio::post(ctx_.work, [inventory, weak, reactor] {
        std::shared_ptr<const InstalledSoftware> snapshot;
        std::string error;
        try {
            snapshot = inventory->load();
        } catch (const std::exception& e) {
            error = e.what();
        }
        asio::post(reactor, [weak, snapshot, error] {
            if (auto self = weak.lock()) self->reloaded(snapshot, error);
        });
    });
}

void PackageAudit::reloaded(std::shared_ptr<const InstalledSoftware> snapshot, const std::string& error) {
    reloading_ = false;
    if (snapshot) {
        installed_ = std::move(snapshot);
        on_changed_();
        releaseMemory(ctx_.work);
    } else {
        Log::warn("software inventory: " + error);
    }
    if (reload_again_) {
        reload_again_ = false;
        reload();
    }
}

void PackageAudit::reconcile(const SoftwareRules& rules) {
    std::map<std::string, std::string> unapproved;
    auto event = [](v1::EventType type, const std::string& rule, const std::string& name, const std::string& version) {
        v1::EventBody b;
        b.set_type(type);
        b.set_rule_id(rule);
        auto* s = b.mutable_software();
        s->set_package(name);
        s->set_version(version);
        return b;
    };
    for (const auto& p : installed_->packages()) {
        const PackageVerdict v = rules.package(p);
        if (v.approved) continue;
        unapproved[p.name] = p.version;
        auto was = reported_.find(p.name);
        if (was != reported_.end() && was->second == p.version) continue;
        auto b = event(v1::SOFTWARE_UNAPPROVED_INSTALLED, v.rule, p.name, p.version);
        b.set_violation(true);
        // Reporting is all the agent does about an installed package: it removes nothing.
        b.set_outcome(rules.enforcing() ? v1::REPORTED : v1::MONITORED);
        b.mutable_software()->set_category(v.category);
        outbox_->report(std::move(b));
    }
    for (const auto& [name, version] : reported_) {
        if (unapproved.count(name)) continue;
        if (const auto* p = installed_->find(name)) {
            // Still installed, no longer unapproved: the policy (or an upgrade into an approved
            // version range) approves it now.
            auto b = event(v1::SOFTWARE_APPROVED, rules.package(*p).rule, name, p->version);
            b.set_outcome(v1::ALLOWED);
            outbox_->report(std::move(b));
        } else {
            outbox_->report(event(v1::SOFTWARE_REMOVED, "removed", name, version));
        }
    }
    if (unapproved == reported_) return;
    reported_ = unapproved;
    std::weak_ptr<PackageAudit> weak = weak_from_this();
    outbox_->afterJournaled([weak, unapproved = std::move(unapproved)]() mutable {
        if (auto self = weak.lock()) self->ledger_.replace(std::move(unapproved));
    });
}

}  // namespace mamori::agent
