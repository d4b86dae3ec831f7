#include "agent/SoftwareControl.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "agent/DigestCache.h"
#include "agent/InventoryLedger.h"
#include "agent/SoftwareRules.h"
#include "mamori/platform/ResidentMemory.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace asio = boost::asio;
namespace v1 = mamori::v1;
using mamori::platform::ExecEvent;
using mamori::platform::ExecVerdict;
using mamori::platform::FileIdentity;
using mamori::platform::FileIdentityHash;
using mamori::platform::InstalledSoftware;
using mamori::platform::SoftwarePackage;

namespace {

constexpr size_t kHashThreads = 2;
constexpr size_t kDigestCacheEntries = 16384;
constexpr size_t kDecisionCacheEntries = 65536;
constexpr size_t kScanMaxEntries = 200000;
// A scan runs at every start: it hashes what a download could be, not a user's virtual disks.
constexpr uint64_t kScanMaxHashBytes = 64ull << 20;
constexpr uint64_t kScanMaxTotalHashBytes = 1ull << 30;
// The same finding is reported once per window: evidence that a program ran, not a journal
// write (with fsync) for each of the thousand times a script starts it.
constexpr int64_t kReportWindowNs = 3600ll * 1'000'000'000;
constexpr int64_t kTimeoutReportWindowNs = 60ll * 1'000'000'000;

std::string identityKey(const std::string& path, const FileIdentity& id) {
    return path + "\n" + std::to_string(id.device) + ":" + std::to_string(id.inode) + ":" + std::to_string(id.size) +
           ":" + std::to_string(id.mtime_ns) + ":" + std::to_string(id.ctime_ns);
}

struct DecisionKey {
    FileIdentity id;
    std::string path;
    friend bool operator==(const DecisionKey&, const DecisionKey&) = default;
};
struct DecisionKeyHash {
    size_t operator()(const DecisionKey& k) const noexcept {
        return FileIdentityHash{}(k.id) ^ (std::hash<std::string>{}(k.path) << 1);
    }
};

// What the pool hands back after reading one exec'd file.
struct Digested {
    bool read_failed = false;
    std::optional<FileDigests> digests;
    bool md5_looked_up = false;
    std::optional<std::string> packaged_md5;
};

// What the pool hands back for one unowned executable found in a scan path.
struct Unmanaged {
    mamori::platform::FoundExecutable file;
    std::optional<FileDigests> digests;
};

}  // namespace

class SoftwareControl::Impl : public std::enable_shared_from_this<SoftwareControl::Impl> {
public:
    Impl(ControlContext ctx, Platform platform)
        : ctx_(ctx), platform_(std::move(platform)), ledger_(ctx.config.state_dir / "software-reported") {}

    // Stops the watch (the kernel lets anything still held run) and waits for the pool.
    void shutdown() {
        if (platform_.watch) platform_.watch->stop();
        pool_.stop();
        pool_.join();
    }

    bool check(const v1::Policy& policy, std::string& why) { return SoftwareRules::validate(policy.software(), why); }

    void apply(const v1::Policy& policy) {
        if (!ctx_.config.software_control) {
            if (!disabled_logged_) Log::info("software control is off (software_control = off in the agent configuration)");
            disabled_logged_ = true;
            return;
        }
        policy_ = policy.software();
        rules_ = SoftwareRules(policy_, policy.exceptions());
        decisions_.clear();
        platform_.watch->forgetTrusted();
        ++generation_;
        if (!installed_) {
            // Once, at start, on the reactor: judging execs needs to know who owns what, and no
            // exec is held before the watch starts below.
            try {
                installed_ = platform_.inventory->load();
            } catch (const std::exception& e) {
                Log::error(std::string("software inventory: ") + e.what());
                installed_ = std::make_shared<const InstalledSoftware>();
            }
            std::weak_ptr<Impl> weak = weak_from_this();
            platform_.inventory->watch([weak] {
                if (auto self = weak.lock()) self->reloadInventory();
            });
            releaseMemory();
        }
        startWatch();
        reconcileInventory();
        scanUnmanaged();
    }

private:
    // ---------------------------------------------------------------------------------------
    // Program starts

    void startWatch() {
        mamori::platform::ProcessWatch::Options o;
        o.mounts.assign(policy_.watch_mounts().begin(), policy_.watch_mounts().end());
        o.hold = rules_.enforcing();
        o.deadline = std::chrono::milliseconds(policy_.decision_deadline_ms() ? policy_.decision_deadline_ms() : 250);
        o.on_deadline = policy_.on_deadline() == v1::DEADLINE_DENY ? ExecVerdict::Deny : ExecVerdict::Allow;
        on_deadline_ = o.on_deadline;
        if (o.mounts.empty()) {
            platform_.watch->stop();
            return;
        }
        std::weak_ptr<Impl> weak = weak_from_this();
        try {
            auto problems = platform_.watch->start(
                o,
                [weak](const ExecEvent& ev) {
                    if (auto self = weak.lock()) self->onExec(ev);
                },
                [weak](const ExecEvent& ev) {
                    if (auto self = weak.lock()) self->onDeadline(ev);
                });
            for (const auto& p : problems) Log::warn("programs started on " + p + " are not watched");
        } catch (const std::exception& e) {
            Log::error(std::string("program starts are not watched: ") + e.what());
        }
    }

    void onExec(const ExecEvent& ev) {
        try {
            decide(ev, true);
        } catch (const std::exception& e) {
            // Whatever went wrong here must not leave the exec waiting for the deadline.
            Log::error(std::string("judging ") + ev.file->path() + ": " + e.what());
            if (ev.held) platform_.watch->answer(ev.id, on_deadline_);
        }
    }

    void decide(const ExecEvent& ev, bool may_read) {
        const std::string& path = ev.file->path();
        const FileIdentity& id = ev.file->identity();
        const int64_t now_unix = ctx_.clock.utcNs() / 1'000'000'000;
        DecisionKey key{id, path};
        if (auto it = decisions_.find(key); it != decisions_.end()) {
            if (!it->second.valid_until_unix || now_unix < it->second.valid_until_unix) {
                finish(ev, it->second);
                return;
            }
            decisions_.erase(it);
        }
        const auto owner = installed_->owner(path);
        ExecFacts facts{path, owner.package, digests_.find(id), std::nullopt, now_unix};
        bool md5_known = true;
        if (owner.package) {
            auto m = packaged_md5_.find(owner.listed_path);
            md5_known = m != packaged_md5_.end();
            if (md5_known) facts.packaged_md5 = m->second;
        }
        // Digests without the packaged checksum would read as "unverifiable": fetch both.
        if (!md5_known) facts.digests = nullptr;
        ExecDecision d = rules_.exec(facts);
        if (d.kind == ExecDecision::Kind::NeedsDigests) {
            if (may_read) {
                read(ev, owner);
                return;
            }
            d = ExecDecision{ExecDecision::Kind::Denied, "unreadable", {}, false, 0};
        }
        if (decisions_.size() >= kDecisionCacheEntries) decisions_.clear();
        decisions_.emplace(std::move(key), d);
        finish(ev, d);
    }

    // Reads the file on the pool (once, however many execs of it wait) and judges again.
    void read(const ExecEvent& ev, const mamori::platform::FileOwner& owner) {
        const FileIdentity id = ev.file->identity();
        auto& waiters = reading_[id];
        waiters.push_back(ev);
        if (waiters.size() > 1) return;
        auto file = ev.file;
        const bool need_digests = digests_.find(id) == nullptr;
        std::optional<SoftwarePackage> package;
        if (owner.package) package = *owner.package;
        const auto* inventory = platform_.inventory.get();
        std::weak_ptr<Impl> weak = weak_from_this();
        auto reactor = ctx_.executor;
        const uint64_t generation = generation_;
        const std::string listed = owner.listed_path;
        asio::post(pool_, [=] {
            Digested out;
            if (need_digests) {
                out.digests = FileDigests::compute([&](const auto& chunk) { return file->read(chunk); });
                out.read_failed = !out.digests;
            }
            if (package) {
                out.md5_looked_up = true;
                out.packaged_md5 = inventory->packagedMd5(*package, listed);
            }
            asio::post(reactor, [weak, id, listed, generation, out = std::move(out)] {
                if (auto self = weak.lock()) self->digested(id, listed, generation, out);
            });
        });
    }

    void digested(const FileIdentity& id, const std::string& listed, uint64_t generation, const Digested& out) {
        if (out.digests) digests_.put(id, *out.digests);
        // A checksum read under an older inventory may belong to a package since replaced.
        if (out.md5_looked_up && generation == generation_) packaged_md5_[listed] = out.packaged_md5;
        auto node = reading_.extract(id);
        if (node.empty()) return;
        for (const auto& ev : node.mapped()) {
            try {
                decide(ev, !out.read_failed);
            } catch (const std::exception& e) {
                Log::error(std::string("judging ") + ev.file->path() + ": " + e.what());
                if (ev.held) platform_.watch->answer(ev.id, on_deadline_);
            }
        }
    }

    void finish(const ExecEvent& ev, const ExecDecision& d) {
        const bool refuse = rules_.enforcing() && !d.allowed();
        bool in_time = true;
        if (ev.held) in_time = platform_.watch->answer(ev.id, refuse ? ExecVerdict::Deny : ExecVerdict::Allow);
        if (d.allowed() && !d.exempted) {
            // Allowed for good (no exception that expires): the watch answers its next execs itself.
            if (!d.valid_until_unix) platform_.watch->trust(ev.file->identity());
            return;
        }
        // Refused in time, or refused by the deadline's verdict: either way it did not run.
        const bool stopped = refuse && (in_time || on_deadline_ == ExecVerdict::Deny);
        const std::string throttle = "exec\n" + d.rule + "\n" + identityKey(ev.file->path(), ev.file->identity());
        if (!firstInWindow(throttle, kReportWindowNs)) return;

        v1::EventBody b;
        b.set_type(v1::SOFTWARE_UNAPPROVED_EXEC);
        b.set_rule_id(d.rule);
        b.set_violation(!d.allowed());
        b.set_outcome(d.exempted ? v1::EXEMPTED : stopped ? v1::ENFORCED : v1::MONITORED);
        auto* s = b.mutable_software();
        s->set_path(ev.file->path());
        s->set_uid(ev.uid);
        s->set_pid(ev.pid);
        s->set_parent(platform_.watch->describeProcess(ev.ppid));
        s->set_category(d.category);
        if (const auto owner = installed_->owner(ev.file->path()); owner.package) {
            s->set_package(owner.package->name);
            s->set_version(owner.package->version);
        }
        if (const FileDigests* fd = digests_.find(ev.file->identity())) {
            s->set_sha256(fd->sha256);
            report(std::move(b));
            return;
        }
        // The verdict is given; the hash the event carries can take its time.
        auto file = ev.file;
        std::weak_ptr<Impl> weak = weak_from_this();
        auto reactor = ctx_.executor;
        asio::post(pool_, [file, weak, reactor, b = std::move(b)]() mutable {
            auto digests = FileDigests::compute([&](const auto& chunk) { return file->read(chunk); });
            asio::post(reactor, [weak, file, digests, b = std::move(b)]() mutable {
                auto self = weak.lock();
                if (!self) return;
                if (digests) {
                    self->digests_.put(file->identity(), *digests);
                    b.mutable_software()->set_sha256(digests->sha256);
                }
                self->report(std::move(b));
            });
        });
    }

    void onDeadline(const ExecEvent& ev) {
        if (!firstInWindow("timeout\n" + identityKey(ev.file->path(), ev.file->identity()), kTimeoutReportWindowNs)) {
            return;
        }
        v1::EventBody b;
        b.set_type(v1::SOFTWARE_DECISION_TIMEOUT);
        b.set_rule_id("decision_deadline_ms");
        b.set_outcome(on_deadline_ == ExecVerdict::Deny ? v1::ENFORCED : v1::ALLOWED);
        auto* s = b.mutable_software();
        s->set_path(ev.file->path());
        s->set_uid(ev.uid);
        s->set_pid(ev.pid);
        s->set_parent(platform_.watch->describeProcess(ev.ppid));
        report(std::move(b));
        Log::warn("no verdict for " + ev.file->path() + " within " + std::to_string(policy_.decision_deadline_ms()) +
                  " ms; " + (on_deadline_ == ExecVerdict::Deny ? "refused" : "allowed") + " as the policy says");
    }

    // ---------------------------------------------------------------------------------------
    // Installed packages

    void reloadInventory() {
        if (reloading_) {
            reload_again_ = true;
            return;
        }
        reloading_ = true;
        const auto* inventory = platform_.inventory.get();
        std::weak_ptr<Impl> weak = weak_from_this();
        auto reactor = ctx_.executor;
        asio::post(pool_, [inventory, weak, reactor] {
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

    void reloaded(std::shared_ptr<const InstalledSoftware> snapshot, const std::string& error) {
        reloading_ = false;
        if (snapshot) {
            installed_ = std::move(snapshot);
            ++generation_;
            decisions_.clear();
            platform_.watch->forgetTrusted();
            packaged_md5_.clear();
            reconcileInventory();
            scanUnmanaged();
            releaseMemory();
        } else {
            Log::warn("software inventory: " + error);
        }
        if (reload_again_) {
            reload_again_ = false;
            reloadInventory();
        }
    }

    void reconcileInventory() {
        std::map<std::string, std::string> unapproved;
        const auto& before = ledger_.reported();
        for (const auto& p : installed_->packages()) {
            const PackageVerdict v = rules_.package(p);
            if (v.approved) continue;
            unapproved[p.name] = p.version;
            auto was = before.find(p.name);
            if (was != before.end() && was->second == p.version) continue;
            v1::EventBody b;
            b.set_type(v1::SOFTWARE_UNAPPROVED_INSTALLED);
            b.set_rule_id(v.rule);
            b.set_violation(true);
            b.set_outcome(rules_.enforcing() ? v1::ENFORCED : v1::MONITORED);
            auto* s = b.mutable_software();
            s->set_package(p.name);
            s->set_version(p.version);
            s->set_category(v.category);
            report(std::move(b));
        }
        for (const auto& [name, version] : before) {
            if (installed_->find(name)) continue;
            v1::EventBody b;
            b.set_type(v1::SOFTWARE_REMOVED);
            b.set_rule_id("removed");
            auto* s = b.mutable_software();
            s->set_package(name);
            s->set_version(version);
            report(std::move(b));
        }
        ledger_.replace(std::move(unapproved));
    }

    // ---------------------------------------------------------------------------------------
    // Executables no package owns, where users can write

    void scanUnmanaged() {
        if (policy_.scan_paths().empty()) return;
        if (scanning_) {
            scan_again_ = true;
            return;
        }
        scanning_ = true;
        std::vector<std::string> roots(policy_.scan_paths().begin(), policy_.scan_paths().end());
        auto snapshot = installed_;
        auto known = std::make_shared<const std::unordered_set<std::string>>(reported_unmanaged_);
        const auto* finder = platform_.finder.get();
        std::weak_ptr<Impl> weak = weak_from_this();
        auto reactor = ctx_.executor;
        asio::post(pool_, [=] {
            std::vector<Unmanaged> found;
            uint64_t hashed = 0;
            for (auto& f : finder->find(roots, kScanMaxEntries)) {
                if (snapshot->owner(f.path).package) continue;
                if (known->count(identityKey(f.path, f.identity))) continue;
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

    void scanned(const std::vector<Unmanaged>& found) {
        scanning_ = false;
        const int64_t now_unix = ctx_.clock.utcNs() / 1'000'000'000;
        for (const auto& u : found) {
            // These digests were read by path, not from an opened exec: they never enter the exec cache.
            ExecFacts facts{u.file.path, nullptr, u.digests ? &*u.digests : nullptr, std::nullopt, now_unix};
            ExecDecision d = rules_.exec(facts);
            // Too large or unreadable to hash: nothing can show it is approved.
            if (d.kind == ExecDecision::Kind::NeedsDigests) {
                const SoftwareCategory* c = rules_.categoryOf(nullptr, u.file.path);
                d = c ? ExecDecision{ExecDecision::Kind::Denied, "category:" + std::string(c->name()), std::string(c->name()), false, 0}
                      : ExecDecision{ExecDecision::Kind::Denied, "not-approved", {}, false, 0};
            }
            if (d.allowed()) continue;
            if (!reported_unmanaged_.insert(identityKey(u.file.path, u.file.identity)).second) continue;
            v1::EventBody b;
            b.set_type(v1::SOFTWARE_UNMANAGED_EXECUTABLE);
            b.set_rule_id(d.rule);
            b.set_violation(true);
            b.set_outcome(rules_.enforcing() ? v1::ENFORCED : v1::MONITORED);
            auto* s = b.mutable_software();
            s->set_path(u.file.path);
            s->set_uid(u.file.owner_uid);
            s->set_category(d.category);
            if (u.digests) s->set_sha256(u.digests->sha256);
            report(std::move(b));
        }
        if (scan_again_) {
            scan_again_ = false;
            scanUnmanaged();
        } else {
            releaseMemory();
        }
    }

    // Reading the package database or walking the scan paths briefly takes megabytes (every
    // .list file, the previous snapshot, the paths found) that malloc keeps once freed, and maps
    // code that the idle agent never runs again; give them back to the system, or the resident
    // agent holds them all day. On the pool: the reactor does not wait for it.
    void releaseMemory() {
        asio::post(pool_, [] { mamori::platform::ResidentMemory::release(); });
    }

    // ---------------------------------------------------------------------------------------
    // Reporting

    bool firstInWindow(const std::string& key, int64_t window_ns) {
        const int64_t now = ctx_.clock.monotonicNs();
        if (last_report_.size() > 65536) last_report_.clear();
        auto [it, fresh] = last_report_.try_emplace(key, now);
        if (fresh) return true;
        if (now - it->second < window_ns) return false;
        it->second = now;
        return true;
    }

    // Each journal append waits for fsync. One per turn of the reactor, so a burst of findings
    // never keeps a held exec waiting behind more than one of them.
    void report(v1::EventBody body) {
        body.set_control(v1::SOFTWARE);
        outbox_.push_back(std::move(body));
        if (outbox_.size() == 1) postDrain();
    }

    void postDrain() {
        std::weak_ptr<Impl> weak = weak_from_this();
        asio::post(ctx_.executor, [weak] {
            auto self = weak.lock();
            if (!self || self->outbox_.empty()) return;
            try {
                self->ctx_.sink.emit(std::move(self->outbox_.front()));
            } catch (const std::exception& e) {
                Log::error(std::string("software event not journaled: ") + e.what());
            }
            self->outbox_.pop_front();
            if (!self->outbox_.empty()) self->postDrain();
        });
    }

    ControlContext ctx_;
    Platform platform_;
    asio::thread_pool pool_{kHashThreads};
    InventoryLedger ledger_;
    v1::SoftwarePolicy policy_;
    SoftwareRules rules_;
    ExecVerdict on_deadline_ = ExecVerdict::Allow;
    bool disabled_logged_ = false;

    std::shared_ptr<const InstalledSoftware> installed_;
    uint64_t generation_ = 0;  // bumped when the policy or the inventory changes
    bool reloading_ = false, reload_again_ = false;
    bool scanning_ = false, scan_again_ = false;

    DigestCache digests_{kDigestCacheEntries};
    std::unordered_map<std::string, std::optional<std::string>> packaged_md5_;  // listed path -> md5
    std::unordered_map<DecisionKey, ExecDecision, DecisionKeyHash> decisions_;
    std::unordered_map<FileIdentity, std::vector<ExecEvent>, FileIdentityHash> reading_;
    std::unordered_set<std::string> reported_unmanaged_;
    std::unordered_map<std::string, int64_t> last_report_;
    std::deque<v1::EventBody> outbox_;
};

std::unique_ptr<SoftwareControl> SoftwareControl::create(ControlContext ctx) {
    Platform p;
    p.inventory = mamori::platform::dpkgInventory(ctx.executor, {ctx.config.dpkg_status, ctx.config.dpkg_info_dir});
    p.watch = mamori::platform::fanotifyProcessWatch(ctx.executor);
    p.finder = mamori::platform::executableFinder();
    return std::make_unique<SoftwareControl>(ctx, std::move(p));
}

SoftwareControl::SoftwareControl(ControlContext ctx, Platform platform)
    : impl_(std::make_shared<Impl>(ctx, std::move(platform))) {}

SoftwareControl::~SoftwareControl() { impl_->shutdown(); }

bool SoftwareControl::check(const v1::Policy& policy, std::string& why) { return impl_->check(policy, why); }

void SoftwareControl::apply(const v1::Policy& policy) { impl_->apply(policy); }

}  // namespace mamori::agent
