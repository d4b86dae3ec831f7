#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "mamori/proto/Ed25519Key.h"

namespace mamori::agent {

// A terminal runs, and journals, before it is enrolled (a silent installation whose collector was
// not reachable yet). Those events name the terminal "unenrolled", so the collector, which checks
// every event against the certificate, would refuse them and with them everything after.
// Once enrolled, they are moved into a fresh journal under the terminal's real id: same bodies,
// same times, chained and signed anew by the same terminal key. Nothing is lost, nothing doubled,
// even when the agent is killed half-way:
//   1. journal.db -> journal.unenrolled.db      (the old events, kept until the end)
//   2. copy into journal.adopt.db               (redone from scratch after a crash)
//   3. journal.adopt.db -> journal.db           (atomic: from here the adoption has happened)
//   4. remove journal.unenrolled.db
class UnenrolledJournal {
public:
    // Runs (or finishes) the adoption in state_dir for terminal_id; returns the events moved.
    static uint64_t adopt(const std::filesystem::path& state_dir, const mamori::proto::Ed25519Key& key,
                          uint64_t cap_bytes, const std::string& terminal_id);
};

}  // namespace mamori::agent
