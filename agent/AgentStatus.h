#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "agent/Journal.h"

namespace mamori::agent {

// What `mamori-agent status` shows, kept by the daemon in <state_dir>/status.conf.
struct AgentStatus {
    bool enrolled = false;
    std::string terminal_id;
    std::string collector;
    uint64_t policy_version = 0;
    std::string policy_name;
    uint64_t journal_depth = 0;
    uint64_t journal_bytes = 0;
    uint64_t head_seq = 0;
    uint64_t acked_seq = 0;
    int64_t last_upload_unix = 0;
    int64_t last_sync_unix = 0;
    std::string last_error;
    int64_t updated_unix = 0;  // when the file was written: save() stamps it
    int pid = 0;
    uint32_t heartbeat_minutes = 0;  // the policy's reporting.heartbeat_minutes (0: 60)
    std::string unreadable;  // what load() could not read from the file (not saved)

    void noteJournal(const Journal::Stats& stats);
    void save(const std::filesystem::path& state_dir) const;
    // For a daemon that carries on whatever the disk says: a failed write is logged, not thrown.
    void saveOrWarn(const std::filesystem::path& state_dir) const;
    static AgentStatus load(const std::filesystem::path& state_dir);  // defaults if absent
    std::string describe() const;

    // What `status` exits with, for monitoring (documented in its --help).
    enum Health { kHealthy = 0, kNotRunning = 1, kNotReporting = 2, kNotEnrolled = 3 };
    // running: whether the daemon that wrote the file is alive. why_en/why_ja: a line saying
    // what is wrong, empty when healthy.
    Health health(bool running, int64_t now_unix, std::string& why_en, std::string& why_ja) const;
};

}  // namespace mamori::agent
