#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/ControlContext.h"
#include "agent/DigestCache.h"
#include "agent/SoftwareOutbox.h"
#include "agent/SoftwareRules.h"
#include "mamori/platform/InstalledSoftware.h"
#include "mamori/platform/ProcessWatch.h"
#include "mamori/platform/SoftwareInventory.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// Every program start on the watched filesystems, judged by package, SHA-256 and path. A
// verdict is reused until the rules or the package database change; a program that needs its
// digests is read on the work pool, once however many of its execs wait, never on the reactor.
// Lives on the reactor.
class ExecJudge : public std::enable_shared_from_this<ExecJudge> {
public:
    ExecJudge(ControlContext ctx, mamori::platform::ProcessWatch& watch,
              const mamori::platform::SoftwareInventory& inventory, std::shared_ptr<SoftwareOutbox> outbox);

    // Judges by these rules and this package database from now on: every verdict given so far
    // is forgotten, and the packaged checksums too when the database is a new one.
    void judgeBy(std::shared_ptr<const SoftwareRules> rules,
                 std::shared_ptr<const mamori::platform::InstalledSoftware> installed);
    // (Re)starts the watch on the policy's mounts, holding execs when the rules enforce.
    void watch(const mamori::v1::SoftwarePolicy& policy);

private:
    struct DecisionKey {
        mamori::platform::FileIdentity id;
        std::string path;
        uint32_t uid = 0;  // who ran it, where an exception limited to one user makes that matter
        bool outside_watch = false;  // then its path approves nothing
        friend bool operator==(const DecisionKey&, const DecisionKey&) = default;
    };
    struct DecisionKeyHash {
        size_t operator()(const DecisionKey& k) const noexcept {
            return mamori::platform::FileIdentityHash{}(k.id) ^ (std::hash<std::string>{}(k.path) << 1) ^
                   (std::hash<uint32_t>{}(k.uid) << 2);
        }
    };
    // What the work pool hands back after reading one exec'd file.
    struct Digested {
        bool read_failed = false;
        std::optional<FileDigests> digests;
        bool md5_looked_up = false;
        std::optional<std::string> packaged_md5;
    };

    void onExec(const mamori::platform::ExecEvent& ev);
    void decide(const mamori::platform::ExecEvent& ev, bool may_read);
    void read(const mamori::platform::ExecEvent& ev, const mamori::platform::FileOwner& owner);
    void digested(const mamori::platform::FileIdentity& id, const std::string& listed, uint64_t generation,
                  const Digested& out);
    void finish(const mamori::platform::ExecEvent& ev, const ExecDecision& d);
    void onDeadline(const mamori::platform::ExecEvent& ev);
    // Whatever went wrong judging it, the exec still gets an answer.
    void unjudged(const mamori::platform::ExecEvent& ev);
    bool firstInWindow(const std::string& key, int64_t window_ns);

    ControlContext ctx_;
    mamori::platform::ProcessWatch& watch_;
    const mamori::platform::SoftwareInventory& inventory_;
    std::shared_ptr<SoftwareOutbox> outbox_;
    std::shared_ptr<const SoftwareRules> rules_;
    std::shared_ptr<const mamori::platform::InstalledSoftware> installed_;
    mamori::platform::ExecVerdict on_deadline_ = mamori::platform::ExecVerdict::Allow;
    std::chrono::milliseconds deadline_{250};
    uint64_t generation_ = 0;  // bumped when the rules or the package database change

    DigestCache digests_;
    std::unordered_map<std::string, std::optional<std::string>> packaged_md5_;  // listed path -> md5
    std::unordered_map<DecisionKey, ExecDecision, DecisionKeyHash> decisions_;
    std::unordered_map<mamori::platform::FileIdentity, std::vector<mamori::platform::ExecEvent>,
                       mamori::platform::FileIdentityHash>
        reading_;
    std::unordered_map<std::string, int64_t> last_report_;
};

}  // namespace mamori::agent
