#include "collector/EventIngest.h"

#include "mamori/proto/ChainVerifier.h"
#include "mamori/common/Log.h"

namespace mamori::collector {

using mamori::proto::ChainFault;
using mamori::proto::ChainHead;
using mamori::proto::ChainVerifier;
using mamori::proto::Continuation;
using mamori::proto::Ed25519Key;

EventIngest::Result EventIngest::ingest(const TerminalRecord& terminal, const mamori::v1::EventBatch& batch,
                                        int64_t now_unix) {
    Result r;
    auto refuse = [&](unsigned status, std::string why) {
        r.http_status = status;
        r.error = std::move(why);
        Log::warn("ingest from " + terminal.id + " refused: " + r.error);
        return r;
    };
    if (batch.terminal_id() != terminal.id)
        return refuse(403, "batch names terminal '" + batch.terminal_id() + "' but the certificate is '" +
                               terminal.id + "'");
    if (batch.events().empty()) return refuse(400, "empty batch");

    std::lock_guard lock(stripes_[std::hash<std::string>{}(terminal.id) % stripes_.size()]);
    // Re-read under the lock: the head may have moved since the caller looked.
    auto current = terminals_.terminal(terminal.id);
    if (!current) return refuse(403, "unknown terminal");
    ChainHead head{current->head_seq, current->head_hash};
    Ed25519Key key = Ed25519Key::fromPublicRaw(current->public_key);
    ChainVerifier verifier(terminal.id, key);
    auto check = verifier.check(batch.events(), head);

    IngestBatch in;
    in.terminal_id = terminal.id;
    in.now_unix = now_unix;
    const auto& last = batch.events(batch.events_size() - 1);
    auto issue = [&](std::string kind, uint64_t first, uint64_t lastSeq, std::string detail) {
        in.issue = EvidenceIssue{std::move(kind), first, lastSeq, std::move(detail), calendar_.dateOfUnix(now_unix),
                                 now_unix};
        Log::warn("evidence violation on " + terminal.id + ": " + in.issue->kind + " seq " + std::to_string(first) +
                  "-" + std::to_string(lastSeq) + ": " + in.issue->detail);
    };

    switch (check.fault) {
        case ChainFault::None: break;
        case ChainFault::Malformed: return refuse(400, check.detail);
        case ChainFault::WrongTerminal: return refuse(403, check.detail);
        case ChainFault::BadSignature: return refuse(403, "forged batch: " + check.detail);
        case ChainFault::BrokenChain: {
            // Modified evidence. If the head still carries the terminal's signature, the terminal
            // itself sent it: record the tampering, move past it, keep taking the batches after it.
            mamori::v1::EventBody head_body, first_body;
            if (!key.verify(last.hash(), last.signature())) return refuse(403, "forged batch: " + check.detail);
            if (!head_body.ParseFromString(last.body()) || !first_body.ParseFromString(batch.events(0).body()) ||
                head_body.terminal_id() != terminal.id)
                return refuse(400, "unreadable batch: " + check.detail);
            issue("broken-chain", first_body.seq(), head_body.seq(), check.detail);
            in.new_head_seq = head_body.seq();
            in.new_head_hash = last.hash();
            auto stored = evidence_.ingest(in);
            r.ack.set_acked_seq(std::max(stored.head_seq, head_body.seq()));
            r.ack.set_warning("broken chain recorded as an evidence violation: " + check.detail);
            return r;
        }
    }

    uint64_t first = check.bodies.front().seq(), end = check.bodies.back().seq();
    switch (check.continuation) {
        case Continuation::Next: break;
        case Continuation::Gap:
            issue("gap", head.seq + 1, first - 1,
                  "events " + std::to_string(head.seq + 1) + "-" + std::to_string(first - 1) + " never arrived");
            break;
        case Continuation::Fork:
            issue("fork", first, end, "the batch does not link to the stored head at seq " + std::to_string(head.seq));
            break;
        case Continuation::Replay:
        case Continuation::Overlap: {
            // A replay must be the same history: compare with what is stored for the first seq.
            auto stored_hash = evidence_.eventHash(terminal.id, first);
            if (stored_hash && *stored_hash != batch.events(0).hash())
                issue("fork", first, std::min(end, head.seq),
                      "seq " + std::to_string(first) + " differs from the stored event");
            break;
        }
    }

    in.events.reserve(check.bodies.size());
    for (size_t i = 0; i < check.bodies.size(); ++i) {
        const auto& b = check.bodies[i];
        const auto& ev = batch.events(static_cast<int>(i));
        in.events.push_back(IngestEvent{b.seq(), b.utc_ns(), calendar_.dateOfNs(b.utc_ns()), b.type(), b.control(),
                                        b.violation(), b.outcome(), b.rule_id(), ev.body(), ev.prev_hash(), ev.hash(),
                                        ev.signature()});
    }
    in.new_head_seq = end;
    in.new_head_hash = last.hash();
    auto stored = evidence_.ingest(in);
    r.ack.set_acked_seq(std::max(stored.head_seq, end));
    r.ack.set_stored(stored.stored);
    r.ack.set_duplicates(stored.duplicates);
    if (in.issue) r.ack.set_warning(in.issue->kind + " recorded as an evidence violation: " + in.issue->detail);
    return r;
}

}  // namespace mamori::collector
