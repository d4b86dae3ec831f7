#include "agent/SoftwareControl.h"

#include "agent/ExecJudge.h"
#include "agent/PackageAudit.h"
#include "agent/SoftwareOutbox.h"
#include "agent/UnmanagedScan.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace v1 = mamori::v1;

std::unique_ptr<SoftwareControl> SoftwareControl::create(ControlContext ctx) {
    Platform p;
    // The index of packaged paths goes to the state directory, on disk, not to the agent's heap.
    p.inventory = mamori::platform::dpkgInventory(
        ctx.executor, {ctx.config.dpkg_status, ctx.config.dpkg_info_dir, ctx.config.state_dir});
    p.watch = mamori::platform::fanotifyProcessWatch(ctx.executor, ctx.exec_watch_reader);
    p.finder = mamori::platform::executableFinder();
    return std::make_unique<SoftwareControl>(ctx, std::move(p));
}

SoftwareControl::SoftwareControl(ControlContext ctx, Platform platform)
    : ctx_(ctx), platform_(std::move(platform)), outbox_(std::make_shared<SoftwareOutbox>(ctx.executor, ctx.sink)),
      packages_(std::make_shared<PackageAudit>(ctx, *platform_.inventory, outbox_)),
      judge_(std::make_shared<ExecJudge>(ctx, *platform_.watch, *platform_.inventory, outbox_)),
      scan_(std::make_shared<UnmanagedScan>(ctx, *platform_.finder, outbox_)), local_(ctx.sink, ctx.config.state_dir) {}

// Stops the watch: the kernel lets anything still held run.
SoftwareControl::~SoftwareControl() {
    if (platform_.watch) platform_.watch->stop();
}

bool SoftwareControl::check(const v1::Policy& policy, std::string& why) {
    return SoftwareRules::validate(policy.software(), why);
}

void SoftwareControl::apply(const v1::Policy& policy) {
    // A policy has no "off" for this control (monitor is its lightest mode): it always asks for
    // it, so switching it off in agent.conf is always a standing violation, reported as such.
    const std::string where = ctx_.config.file.empty() ? std::string("the agent configuration") : ctx_.config.file.string();
    if (!ctx_.config.software_control) {
        local_.disabled(v1::SOFTWARE, "software_control", "software_control = off in " + where);
        if (!disabled_logged_)
            Log::info("software control is off (software_control = off in " + where + ") / ソフトウェア制御は無効です（" +
                      where + " の software_control = off）");
        disabled_logged_ = true;
        return;
    }
    local_.restored(v1::SOFTWARE, "software_control", "software_control = on in " + where);
    policy_ = policy.software();
    rules_ = std::make_shared<const SoftwareRules>(policy_, policy.exceptions(), ExceptionScope(ctx_.terminal_id, policy));
    if (!packages_->started()) packages_->start([this] { inventoryChanged(); });
    judge_->judgeBy(rules_, packages_->installed());
    judge_->watch(policy_);
    packages_->reconcile(*rules_);
    scan();
}

void SoftwareControl::inventoryChanged() {
    judge_->judgeBy(rules_, packages_->installed());
    packages_->reconcile(*rules_);
    scan();
}

void SoftwareControl::scan() {
    scan_->scan({policy_.scan_paths().begin(), policy_.scan_paths().end()}, packages_->installed(), rules_);
}

}  // namespace mamori::agent
