#include "agent/ExecJudge.h"

#include <boost/asio/post.hpp>

#include "agent/FileKey.h"
#include "agent/UserNotice.h"
#include "mamori/common/Log.h"
#include "mamori/platform/UserName.h"

namespace mamori::agent {

namespace asio = boost::asio;
namespace v1 = mamori::v1;
using mamori::platform::ExecEvent;
using mamori::platform::ExecVerdict;
using mamori::platform::FileIdentity;
using mamori::platform::InstalledSoftware;
using mamori::platform::SoftwarePackage;

namespace {

constexpr size_t kDigestCacheEntries = 16384;
constexpr size_t kDecisionCacheEntries = 65536;
// The same finding is reported once per window: evidence that a program ran, not a journal
// write (with fsync) for each of the thousand times a script starts it.
constexpr int64_t kReportWindowNs = 3600ll * 1'000'000'000;
constexpr int64_t kTimeoutReportWindowNs = 60ll * 1'000'000'000;

}  // namespace

ExecJudge::ExecJudge(ControlContext ctx, mamori::platform::ProcessWatch& watch,
                     const mamori::platform::SoftwareInventory& inventory, std::shared_ptr<SoftwareOutbox> outbox)
    : ctx_(ctx), watch_(watch), inventory_(inventory), outbox_(std::move(outbox)), digests_(kDigestCacheEntries) {}

void ExecJudge::judgeBy(std::shared_ptr<const SoftwareRules> rules, std::shared_ptr<const InstalledSoftware> installed) {
    if (installed != installed_) packaged_md5_.clear();
    rules_ = std::move(rules);
    installed_ = std::move(installed);
    decisions_.clear();
    watch_.forgetTrusted();
    ++generation_;
}

void ExecJudge::watch(const v1::SoftwarePolicy& policy) {
    mamori::platform::ProcessWatch::Options o;
    o.mounts.assign(policy.watch_mounts().begin(), policy.watch_mounts().end());
    o.hold = rules_->enforcing();
    o.deadline = std::chrono::milliseconds(policy.decision_deadline_ms() ? policy.decision_deadline_ms() : 250);
    o.on_deadline = policy.on_deadline() == v1::DEADLINE_DENY ? ExecVerdict::Deny : ExecVerdict::Allow;
    on_deadline_ = o.on_deadline;
    deadline_ = o.deadline;
    if (o.mounts.empty()) {
        watch_.stop();
        return;
    }
    std::weak_ptr<ExecJudge> weak = weak_from_this();
    try {
        auto problems = watch_.start(
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

void ExecJudge::onExec(const ExecEvent& ev) {
    try {
        decide(ev, true);
    } catch (const std::exception& e) {
        // Whatever went wrong here must not leave the exec waiting for the deadline.
        Log::error(std::string("judging ") + ev.file->path() + ": " + e.what());
        unjudged(ev);
    }
}

void ExecJudge::unjudged(const ExecEvent& ev) {
    // A held exec gets the policy's verdict for late decisions; one that already runs is let be.
    if (ev.held) watch_.answer(ev.id, on_deadline_);
    else if (ev.outside_watch) watch_.answer(ev.id, ExecVerdict::Allow);
}

void ExecJudge::decide(const ExecEvent& ev, bool may_read) {
    const std::string& path = ev.file->path();
    const FileIdentity& id = ev.file->identity();
    const int64_t now_unix = ctx_.clock.utcNs() / 1'000'000'000;
    // Only an exception limited to one user makes a verdict depend on who runs the program.
    const bool per_user = rules_->userScoped();
    DecisionKey key{id, path, per_user ? ev.uid : 0, ev.outside_watch};
    if (auto it = decisions_.find(key); it != decisions_.end()) {
        if (!it->second.valid_until_unix || now_unix < it->second.valid_until_unix) {
            finish(ev, it->second);
            return;
        }
        decisions_.erase(it);
    }
    const auto owner = installed_->owner(path);
    ExecFacts facts{path, owner.package, digests_.find(id), std::nullopt, now_unix};
    facts.path_trusted = !ev.outside_watch;
    // Looked up once per program and user: the verdict is cached under both.
    if (per_user) facts.user = mamori::platform::userName(ev.uid);
    bool md5_known = true;
    if (owner.package) {
        auto m = packaged_md5_.find(owner.listed_path);
        md5_known = m != packaged_md5_.end();
        if (md5_known) facts.packaged_md5 = m->second;
    }
    // Digests without the packaged checksum would read as "unverifiable": fetch both.
    if (!md5_known) facts.digests = nullptr;
    ExecDecision d = rules_->exec(facts);
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

// Reads the file on the work pool (once, however many execs of it wait) and judges again.
void ExecJudge::read(const ExecEvent& ev, const mamori::platform::FileOwner& owner) {
    const FileIdentity id = ev.file->identity();
    auto& waiters = reading_[id];
    waiters.push_back(ev);
    if (waiters.size() > 1) return;
    auto file = ev.file;
    const bool need_digests = digests_.find(id) == nullptr;
    std::optional<SoftwarePackage> package;
    if (owner.package) package = *owner.package;
    const auto* inventory = &inventory_;
    std::weak_ptr<ExecJudge> weak = weak_from_this();
    auto reactor = ctx_.executor;
    const uint64_t generation = generation_;
    const std::string listed = owner.listed_path;
    asio::post(ctx_.work, [=] {
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

void ExecJudge::digested(const FileIdentity& id, const std::string& listed, uint64_t generation, const Digested& out) {
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
            unjudged(ev);
        }
    }
}

void ExecJudge::finish(const ExecEvent& ev, const ExecDecision& d) {
    const bool refuse = rules_->enforcing() && !d.allowed();
    bool in_time = true;
    if (ev.held || ev.outside_watch) in_time = watch_.answer(ev.id, refuse ? ExecVerdict::Deny : ExecVerdict::Allow);
    if (d.allowed() && !d.exempted) {
        // Allowed for good (no exception that expires): the watch answers its next execs itself.
        if (!d.valid_until_unix) watch_.trust(ev.file->identity());
        return;
    }
    // Refused in time, or refused by the deadline's verdict: either way it did not run. One
    // started outside the watch ran until it was ended, if it was still running.
    const bool stopped = refuse && (in_time || (ev.held && on_deadline_ == ExecVerdict::Deny));
    const std::string throttle = "exec\n" + d.rule + "\n" + fileKey(ev.file->path(), ev.file->identity());
    if (!firstInWindow(throttle, kReportWindowNs)) return;

    if (stopped && ctx_.notice) {
        // Only the account that tried: another user's desktop is none of its business.
        if (const auto user = mamori::platform::userName(ev.uid)) {
            if (ev.outside_watch)
                ctx_.notice->tell(*user, "mamori: プログラムを終了しました / Program ended",
                                  "「" + ev.file->path() + "」はこの端末での使用が許可されていないため、終了させました。\n"
                                  "This program is not approved on this terminal and was ended.");
            else
                ctx_.notice->tell(*user, "mamori: プログラムを起動できません / Program not started",
                                  "「" + ev.file->path() + "」はこの端末での使用が許可されていないため、起動を止めました。\n"
                                  "This program is not approved on this terminal and was not started.");
        }
    }
    v1::EventBody b;
    b.set_type(v1::SOFTWARE_UNAPPROVED_EXEC);
    b.set_rule_id(d.rule);
    b.set_violation(!d.allowed());
    b.set_outcome(d.exempted ? v1::EXEMPTED : stopped ? v1::ENFORCED : v1::MONITORED);
    auto* s = b.mutable_software();
    s->set_path(ev.file->path());
    s->set_uid(ev.uid);
    s->set_pid(ev.pid);
    s->set_parent(watch_.describeProcess(ev.ppid));
    s->set_category(d.category);
    s->set_outside_watch(ev.outside_watch);
    if (const auto owner = installed_->owner(ev.file->path()); owner.package) {
        s->set_package(owner.package->name);
        s->set_version(owner.package->version);
    }
    if (const FileDigests* fd = digests_.find(ev.file->identity())) {
        s->set_sha256(fd->sha256);
        outbox_->report(std::move(b));
        return;
    }
    // The verdict is given; the hash the event carries can take its time.
    auto file = ev.file;
    std::weak_ptr<ExecJudge> weak = weak_from_this();
    auto reactor = ctx_.executor;
    asio::post(ctx_.work, [file, weak, reactor, b = std::move(b)]() mutable {
        auto digests = FileDigests::compute([&](const auto& chunk) { return file->read(chunk); });
        asio::post(reactor, [weak, file, digests, b = std::move(b)]() mutable {
            auto self = weak.lock();
            if (!self) return;
            if (digests) {
                self->digests_.put(file->identity(), *digests);
                b.mutable_software()->set_sha256(digests->sha256);
            }
            self->outbox_->report(std::move(b));
        });
    });
}

void ExecJudge::onDeadline(const ExecEvent& ev) {
    if (!firstInWindow("timeout\n" + fileKey(ev.file->path(), ev.file->identity()), kTimeoutReportWindowNs)) return;
    v1::EventBody b;
    b.set_type(v1::SOFTWARE_DECISION_TIMEOUT);
    b.set_rule_id("decision_deadline_ms");
    b.set_outcome(on_deadline_ == ExecVerdict::Deny ? v1::ENFORCED : v1::ALLOWED);
    auto* s = b.mutable_software();
    s->set_path(ev.file->path());
    s->set_uid(ev.uid);
    s->set_pid(ev.pid);
    s->set_parent(watch_.describeProcess(ev.ppid));
    outbox_->report(std::move(b));
    Log::warn("no verdict for " + ev.file->path() + " within " + std::to_string(deadline_.count()) + " ms; " +
              (on_deadline_ == ExecVerdict::Deny ? "refused" : "allowed") + " as the policy says");
}

bool ExecJudge::firstInWindow(const std::string& key, int64_t window_ns) {
    const int64_t now = ctx_.clock.monotonicNs();
    if (last_report_.size() > 65536) last_report_.clear();
    auto [it, fresh] = last_report_.try_emplace(key, now);
    if (fresh) return true;
    if (now - it->second < window_ns) return false;
    it->second = now;
    return true;
}

}  // namespace mamori::agent
