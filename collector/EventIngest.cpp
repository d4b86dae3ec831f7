#include "collector/EventIngest.h"

#include <algorithm>

#include "collector/EventTime.h"
#include "collector/TerminalAdmission.h"
#include "mamori/common/Log.h"
#include "mamori/proto/BatchAuthenticator.h"

namespace mamori::collector {

using mamori::proto::BatchAuthenticator;
using mamori::proto::BatchStretch;
using mamori::proto::Ed25519Key;

namespace {

std::string range(uint64_t first, uint64_t last) {
    return first == last ? "seq " + std::to_string(first) : "seq " + std::to_string(first) + "-" + std::to_string(last);
}

}  // namespace

EventIngest::Result EventIngest::ingest(const TerminalRecord& terminal, mamori::v1::EventBatch& batch,
                                        int64_t now_unix) {
    Result r;
    auto refuse = [&](unsigned status, std::string why) {
        r.http_status = status;
        r.error = std::move(why);
        Log::warn("ingest from " + terminal.id + " refused: " + r.error, {.terminal = terminal.id});
        return r;
    };
    if (batch.terminal_id() != terminal.id)
        return refuse(403, "batch names terminal '" + batch.terminal_id() + "' but the certificate is '" +
                               terminal.id + "'");
    if (batch.events().empty()) return refuse(400, "empty batch");

    std::lock_guard lock(stripes_[std::hash<std::string>{}(terminal.id) % stripes_.size()]);
    // Re-read under the lock: the head may have moved since the caller looked.
    const auto current = terminals_.terminal(terminal.id);
    if (!current) return refuse(403, "unknown terminal");
    // Decommissioned meanwhile (after the endpoint admitted the caller): nothing more is taken.
    if (current->decommissioned_unix != 0) return refuse(403, TerminalAdmission::decommissioned(*current));
    const auto split =
        BatchAuthenticator(terminal.id, Ed25519Key::fromPublicRaw(current->public_key)).split(batch.events());
    const auto& stretches = split.stretches;

    IngestBatch in;
    in.terminal_id = terminal.id;
    in.now_unix = now_unix;
    in.events.reserve(static_cast<size_t>(batch.events_size()));  // not moved again as it grows
    const std::string today = calendar_.dateOfUnix(now_unix);
    // Nearly every event arrives on the day it happened: today's bounds, found once per batch,
    // spare a time-zone conversion per event.
    const int64_t today_from = calendar_.startOfDateUnix(today), today_to = calendar_.startOfDateUnix(today, 1);
    auto dateOf = [&](int64_t utc_ns) {
        const int64_t s = utc_ns / 1'000'000'000 - (utc_ns % 1'000'000'000 < 0 ? 1 : 0);  // rounded down
        return s >= today_from && s < today_to ? today : calendar_.dateOfNs(utc_ns);
    };
    auto issue = [&](std::string kind, uint64_t first, uint64_t last, std::string detail) {
        Log::warn("evidence violation on " + terminal.id + ": " + kind + " " + range(first, last) + ": " + detail,
                  {.terminal = terminal.id, .seq = first});
        in.issues.push_back(EvidenceIssue{std::move(kind), first, last, std::move(detail), today, now_unix});
    };

    // Walks the batch keeping the chain's end so far: the stored head at first, then the end of
    // each stretch. An empty hash means the link is unknown: the event there was refused.
    uint64_t end_seq = current->head_seq;
    std::string end_hash = current->head_hash;
    uint64_t top_seq = 0;  // the highest seq taken into the store from this batch
    for (size_t k = 0; k < stretches.size(); ++k) {
        const BatchStretch& s = stretches[k];
        const uint64_t count = static_cast<uint64_t>(s.end - s.begin);
        if (!s.authentic) {
            // Where the refused events sit: right after what came before, or right before the
            // authentic stretch after them (the batch's start has nothing trusted before it).
            const BatchStretch* next = k + 1 < stretches.size() ? &stretches[k + 1] : nullptr;
            const uint64_t after = next ? next->bodies.front().seq() : 0;
            if (k > 0 && next && after <= end_seq + 1) {
                // Between two authentic events that leave no seq for them: inserted, not altered.
                // There is nothing of the terminal's to set aside, and the chain goes on.
                issue("tampered", end_seq, after,
                      std::to_string(count) + " event(s) inserted after seq " + std::to_string(end_seq) +
                          " failed authentication: " + s.reason);
                continue;
            }
            uint64_t first = end_seq + 1, last = end_seq + count;
            if (next) {
                first = k > 0 ? end_seq + 1 : after > count ? after - count : 1;
                last = after > 1 ? after - 1 : 1;
            }
            if (k == 0 && first > end_seq + 1)
                issue("gap", end_seq + 1, first - 1, range(end_seq + 1, first - 1) + " never arrived");
            issue("tampered", first, last,
                  std::to_string(count) + " event(s) failed authentication: " + s.reason);
            auto* refused = r.ack.add_refused();
            refused->set_first_seq(first);
            refused->set_last_seq(last);
            refused->set_reason(s.reason);
            if (last > end_seq) {
                end_seq = last;
                end_hash.clear();
            }
            continue;
        }

        const uint64_t first = s.bodies.front().seq(), last = s.bodies.back().seq();
        const std::string& link = batch.events(s.begin).prev_hash();
        if (first > end_seq + 1) {
            issue("gap", end_seq + 1, first - 1, range(end_seq + 1, first - 1) + " never arrived");
        } else if (first == end_seq + 1) {
            if (!end_hash.empty() && link != end_hash)
                issue("fork", first, last, "seq " + std::to_string(first) + " does not link to seq " +
                                               std::to_string(end_seq) + " before it");
        } else if (k == 0) {
            // A resend after a lost acknowledgement must be the same history.
            const auto stored = evidence_.eventHash(terminal.id, first);
            if (stored && *stored != batch.events(s.begin).hash())
                issue("fork", first, std::min(last, end_seq),
                      "seq " + std::to_string(first) + " differs from the stored event");
        } else {
            issue("fork", first, std::min(last, end_seq),
                  "the batch goes back from seq " + std::to_string(end_seq) + " to seq " + std::to_string(first));
        }

        if (last >= end_seq) end_hash = batch.events(s.end - 1).hash();  // before it moves below
        for (int i = s.begin; i < s.end; ++i) {
            const auto& b = s.bodies[static_cast<size_t>(i - s.begin)];
            if (b.seq() <= top_seq) continue;  // the same seq twice in one batch: the first is kept
            // Its bytes move into the store's batch, not copied (see the header).
            auto& ev = *batch.mutable_events(i);
            const bool by_arrival = current->clock_wrong || !EventTime::plausible(b.utc_ns(), now_unix);
            in.events.push_back(IngestEvent{b.seq(), b.utc_ns(),
                                            by_arrival ? today : dateOf(b.utc_ns()), b.type(),
                                            b.control(), b.violation(), b.outcome(), b.rule_id(),
                                            std::move(*ev.mutable_body()), std::move(*ev.mutable_prev_hash()),
                                            std::move(*ev.mutable_hash()), std::move(*ev.mutable_signature()),
                                            now_unix, by_arrival, StandingCondition::of(b)});
            top_seq = b.seq();
        }
        if (last >= end_seq) end_seq = last;
    }

    in.new_head_seq = end_seq;
    in.new_head_hash = end_hash;
    const auto stored = evidence_.ingest(in);
    if (observer_) observer_(*current, in);
    r.ack.set_acked_seq(std::max(stored.head_seq, end_seq));
    r.ack.set_stored(stored.stored);
    r.ack.set_duplicates(stored.duplicates);
    if (!in.issues.empty()) {
        std::string warning;
        for (const auto& i : in.issues)
            warning += (warning.empty() ? "" : "; ") + i.kind + " " + range(i.first_seq, i.last_seq) + ": " + i.detail;
        r.ack.set_warning("recorded as evidence violations: " + warning);
    }
    return r;
}

}  // namespace mamori::collector
