#include "agent/UnmanagedScan.h"

#include <boost/asio/post.hpp>

#include "agent/FileKey.h"
#include "mamori/platform/ResidentMemory.h"
#include "mamori/platform/UserName.h"

namespace mamori::agent {

namespace asio = boost::asio;
namespace v1 = mamori::v1;

namespace {

constexpr size_t kScanMaxEntries = 200000;
// A scan runs at every start: it hashes what a download could be, not a user's virtual disks.
constexpr uint64_t kScanMaxHashBytes = 64ull << 20;
constexpr uint64_t kScanMaxTotalHashBytes = 1ull << 30;

}  // namespace

UnmanagedScan::UnmanagedScan(ControlContext ctx, const mamori::platform::ExecutableFinder& finder,
                             std::shared_ptr<SoftwareOutbox> outbox)
    : ctx_(ctx), finder_(finder), outbox_(std::move(outbox)) {}

void UnmanagedScan::scan(std::vector<std::string> roots, std::shared_ptr<const mamori::platform::InstalledSoftware> installed,
                         std::shared_ptr<const SoftwareRules> rules) {
    roots_ = std::move(roots);
    installed_ = std::move(installed);
    rules_ = std::move(rules);
    if (roots_.empty()) return;
    if (scanning_) {
        scan_again_ = true;
        return;
    }
    start();
}

void UnmanagedScan::start() {
    scanning_ = true;
    auto roots = roots_;
    auto snapshot = installed_;
    auto known = std::make_shared<const std::unordered_set<std::string>>(reported_);
    const auto* finder = &finder_;
    std::weak_ptr<UnmanagedScan> weak = weak_from_this();
    auto reactor = ctx_.executor;
    asio::post(ctx_.work, [=] {
        std::vector<Unmanaged> found;
        uint64_t hashed = 0;
        for (auto& f : finder->find(roots, kScanMaxEntries)) {
            if (snapshot->owner(f.path).package) continue;
            if (known->count(fileKey(f.path, f.identity))) continue;
            Unmanaged u{std::move(f), std::nullopt};
            if (u.file.identity.size <= kScanMaxHashBytes && hashed + u.file.identity.size <= kScanMaxTotalHashBytes) {
                hashed += u.file.identity.size;
                u.digests = FileDigests::ofFile(u.file.path, kScanMaxHashBytes);
            }
            found.push_back(std::move(u));
        }
        asio::post(reactor, [weak, found = std::move(found)] {
            if (auto self = weak.lock()) self->scanned(found);
        });
    });
}

void UnmanagedScan::scanned(const std::vector<Unmanaged>& found) {
    scanning_ = false;
    const int64_t now_unix = ctx_.clock.utcNs() / 1'000'000'000;
    const SoftwareRules& rules = *rules_;
    for (const auto& u : found) {
        // These digests were read by path, not from an opened exec: they never enter the exec cache.
        ExecFacts facts{u.file.path, nullptr, u.digests ? &*u.digests : nullptr, std::nullopt, now_unix};
        // Nobody runs a file found lying there: an exception for one user covers the files they own.
        if (rules.userScoped()) facts.user = mamori::platform::userName(u.file.owner_uid);
        ExecDecision d = rules.exec(facts);
        // Too large or unreadable to hash: nothing can show it is approved.
        if (d.kind == ExecDecision::Kind::NeedsDigests) {
            const SoftwareCategory* c = rules.categoryOf(nullptr, u.file.path);
            d = c ? ExecDecision{ExecDecision::Kind::Denied, "category:" + std::string(c->name()), std::string(c->name()), false, 0}
                  : ExecDecision{ExecDecision::Kind::Denied, "not-approved", {}, false, 0};
        }
        if (d.allowed()) continue;
        if (!reported_.insert(fileKey(u.file.path, u.file.identity)).second) continue;
        v1::EventBody b;
        b.set_type(v1::SOFTWARE_UNMANAGED_EXECUTABLE);
        b.set_rule_id(d.rule);
        b.set_violation(true);
        // Found, not stopped: the scan removes nothing (ExecJudge is what refuses it at exec).
        b.set_outcome(rules.enforcing() ? v1::REPORTED : v1::MONITORED);
        auto* s = b.mutable_software();
        s->set_path(u.file.path);
        s->set_uid(u.file.owner_uid);
        s->set_category(d.category);
        if (u.digests) s->set_sha256(u.digests->sha256);
        outbox_->report(std::move(b));
    }
    if (scan_again_) {
        scan_again_ = false;
        if (!roots_.empty()) start();
    } else {
        // Walking the scan paths briefly takes megabytes (the paths found) that malloc keeps
        // once freed: give them back. On the work pool: the reactor does not wait for it.
        asio::post(ctx_.work, [] { mamori::platform::ResidentMemory::release(); });
    }
}

}  // namespace mamori::agent
