#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mamori/proto/EventChain.h"
#include "mamori/v1/event.pb.h"

namespace mamori::agent {

// The agent's durable store-and-forward buffer of signed, chained events.
// An event is on disk (fsync'd) when append() returns: only then may the action it reports
// count as done. Events leave only when the collector has acknowledged them.
class Journal {
public:
    struct Stats {
        uint64_t depth = 0;       // events not yet acknowledged
        uint64_t bytes = 0;       // their size on disk
        uint64_t head_seq = 0;    // last seq written
        uint64_t acked_seq = 0;   // highest seq the collector acknowledged
        int64_t head_utc_ns = 0;  // the time of the last event written, 0 if none is known
    };

    // Opens or creates the journal at path. The key signs every event; cap_bytes bounds the
    // unacknowledged events kept.
    Journal(const std::filesystem::path& path, mamori::proto::Ed25519Key key, uint64_t cap_bytes);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // How far the agent has read something it must report once and only once (btmp's failed
    // logons), stored in the same transaction as the event that reports what was read.
    struct Cursor {
        std::string name;
        std::string value;
    };

    // Stamps seq, chains, signs and durably stores the event, and the cursor with it if one is
    // given; returns the stored link.
    // When the cap would be exceeded, the oldest unacknowledged events are dropped first and a
    // JOURNAL_GAP event naming the lost seq range is written before this one.
    mamori::v1::Event append(mamori::v1::EventBody body, const std::optional<Cursor>& cursor = std::nullopt);
    // The value last stored for the cursor of this name; kept when its events are acknowledged.
    std::optional<std::string> cursor(const std::string& name) const;

    // A new cap (a policy's reporting.journal_max_bytes): nothing is dropped here. The next
    // append that finds the journal over it drops the oldest and writes JOURNAL_GAP, as always.
    void setCap(uint64_t cap_bytes);
    uint64_t cap() const;

    // Oldest unacknowledged events after after_seq, at most max_events, in seq order.
    std::vector<mamori::v1::Event> pending(size_t max_events, uint64_t after_seq = 0) const;

    // The collector has stored everything up to seq: forget it.
    void acknowledge(uint64_t seq);

    Stats stats() const;
    mamori::proto::ChainHead head() const;

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace mamori::agent
