#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
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
    uint32_t heartbeat_minutes = 60;  // the policy's heartbeat: the longest a healthy agent goes without uploading
    std::string last_error;
    int64_t updated_unix = 0;  // when the file was written: save() stamps it
    int pid = 0;
    std::string unreadable;  // what load() could not read from the file (not saved)

    void noteJournal(const Journal::Stats& stats);
    // status.conf, and metrics.prom beside it for node_exporter's textfile collector.
    void save(const std::filesystem::path& state_dir) const;
    // The figures of metrics.prom, in Prometheus's text format, as of now_unix.
    std::string prometheus(int64_t now_unix) const;
    // For a daemon that carries on whatever the disk says: a failed write is logged, not thrown.
    void saveOrWarn(const std::filesystem::path& state_dir) const;
    static AgentStatus load(const std::filesystem::path& state_dir);  // defaults if absent
    std::string describe() const;

    // What `mamori-agent status` exits with, and why (in English and Japanese).
    static constexpr int kReporting = 0, kNotRunning = 4, kNotReporting = 5, kNotEnrolled = 6;
    struct Health {
        int exit_code = kReporting;
        std::string english, japanese;
    };
    // running: the pid of the daemon holding the state directory (0 if unknown), nullopt when
    // none does. An enrolled daemon reports when its last upload is no older than its heartbeat
    // (and the time that heartbeat's event takes to be sent).
    Health health(std::optional<uint32_t> running, int64_t now_unix) const;
    static constexpr int64_t kUploadGraceSeconds = 120;
};

}  // namespace mamori::agent
