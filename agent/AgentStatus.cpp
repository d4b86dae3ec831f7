#include "agent/AgentStatus.h"

#include <chrono>
#include <limits>
#include <optional>
#include <sstream>

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace {
const std::set<std::string> kKeys{"enrolled",      "terminal_id",   "collector",      "policy_version",
                                  "policy_name",   "journal_depth", "journal_bytes",  "head_seq",
                                  "acked_seq",     "last_upload",   "last_sync",      "last_error",
                                  "updated",       "pid",           "heartbeat_minutes"};

std::string when(int64_t unix) {
    if (!unix) return "never";
    time_t t = unix;
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
    return buf;
}
}  // namespace

void AgentStatus::noteJournal(const Journal::Stats& stats) {
    journal_depth = stats.depth;
    journal_bytes = stats.bytes;
    head_seq = stats.head_seq;
    acked_seq = stats.acked_seq;
}

void AgentStatus::saveOrWarn(const std::filesystem::path& dir) const {
    try {
        save(dir);
    } catch (const std::exception& e) {
        Log::warn(std::string("cannot write status: ") + e.what());
    }
}

void AgentStatus::save(const std::filesystem::path& dir) const {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::string error = last_error;
    for (auto& c : error)
        if (c == '\n') c = ' ';
    mamori::common::ConfigFile::write(dir / "status.conf",
                                     {{"enrolled", enrolled ? "yes" : "no"},
                                      {"terminal_id", terminal_id},
                                      {"collector", collector},
                                      {"policy_version", std::to_string(policy_version)},
                                      {"policy_name", policy_name},
                                      {"journal_depth", std::to_string(journal_depth)},
                                      {"journal_bytes", std::to_string(journal_bytes)},
                                      {"head_seq", std::to_string(head_seq)},
                                      {"acked_seq", std::to_string(acked_seq)},
                                      {"last_upload", std::to_string(last_upload_unix)},
                                      {"last_sync", std::to_string(last_sync_unix)},
                                      {"last_error", error},
                                      {"updated", std::to_string(now)},
                                      {"pid", std::to_string(pid)},
                                      {"heartbeat_minutes", std::to_string(heartbeat_minutes)}},
                                     "# mamori-agent status, rewritten by the daemon\n", 0644);
}

// `mamori-agent status` is what an administrator runs when something is wrong, so it answers
// whatever the file holds: a value it cannot read is shown as a problem, the rest as written.
AgentStatus AgentStatus::load(const std::filesystem::path& dir) {
    AgentStatus s;
    const auto file = dir / "status.conf";
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return s;
    std::optional<mamori::common::ConfigFile> read;
    try {
        read = mamori::common::ConfigFile::load(file, kKeys);
    } catch (const std::exception& e) {
        s.unreadable = e.what();
        return s;
    }
    const auto& c = *read;
    auto number = [&](const char* key, long long max = std::numeric_limits<long long>::max()) -> long long {
        try {
            return c.getInt(key, 0, 0, max);
        } catch (const std::exception& e) {
            s.unreadable += (s.unreadable.empty() ? "" : "; ") + std::string(e.what());
            return 0;
        }
    };
    s.enrolled = c.get("enrolled", "no") == "yes";
    s.terminal_id = c.get("terminal_id", "");
    s.collector = c.get("collector", "");
    s.policy_version = number("policy_version");
    s.policy_name = c.get("policy_name", "");
    s.journal_depth = number("journal_depth");
    s.journal_bytes = number("journal_bytes");
    s.head_seq = number("head_seq");
    s.acked_seq = number("acked_seq");
    s.last_upload_unix = number("last_upload");
    s.last_sync_unix = number("last_sync");
    s.last_error = c.get("last_error", "");
    s.updated_unix = number("updated");
    s.pid = static_cast<int>(number("pid", 1 << 30));
    s.heartbeat_minutes = static_cast<uint32_t>(number("heartbeat_minutes", 525600));
    return s;
}

std::string AgentStatus::describe() const {
    std::ostringstream o;
    o << "enrolled:        " << (enrolled ? "yes, as " + terminal_id : "no") << "\n"
      << "collector:       " << (collector.empty() ? "-" : collector) << "\n"
      << "policy:          " << (policy_version ? "version " + std::to_string(policy_version) : "built-in default")
      << (policy_name.empty() ? "" : " (" + policy_name + ")") << "\n"
      << "journal:         " << journal_depth << " events (" << journal_bytes << " bytes) not yet acknowledged; "
      << "last seq " << head_seq << ", acknowledged up to " << acked_seq << "\n"
      << "last upload:     " << when(last_upload_unix) << "\n"
      << "last sync:       " << when(last_sync_unix) << "\n"
      << "last error:      " << (last_error.empty() ? "none" : last_error) << "\n"
      << "status written:  " << when(updated_unix) << " by pid " << pid << "\n";
    if (!unreadable.empty())
        o << "status file:     partly unreadable (" << unreadable << ")\n"
          << "                 状態ファイルの一部を読めません。エージェントが次に状態を書き込むと解消します。\n";
    return o.str();
}

AgentStatus::Health AgentStatus::health(bool running, int64_t now_unix, std::string& why_en,
                                        std::string& why_ja) const {
    if (!enrolled) {
        why_en = "not enrolled: mamori-agent enroll --collector URL --token TOKEN";
        why_ja = "コレクターに登録されていません（mamori-agent enroll で登録してください）";
        return kNotEnrolled;
    }
    if (!running) {
        why_en = "the daemon is not running (systemctl start mamori-agent)";
        why_ja = "エージェントが動作していません（systemctl start mamori-agent）";
        return kNotRunning;
    }
    // The collector counts a terminal as not reporting after one heartbeat of silence; so does this.
    const int64_t heartbeat_s = int64_t{heartbeat_minutes ? heartbeat_minutes : 60} * 60;
    if (now_unix - last_sync_unix > heartbeat_s) {
        why_en = last_sync_unix ? "no sync with the collector for over " + std::to_string(heartbeat_s / 60) +
                                      " minutes (the heartbeat)" + (last_error.empty() ? "" : ": " + last_error)
                                : "the daemon has not reached the collector yet" +
                                      (last_error.empty() ? std::string() : ": " + last_error);
        why_ja = "コレクターとの通信が " + std::to_string(heartbeat_s / 60) + " 分以上ありません";
        return kNotReporting;
    }
    return kHealthy;
}

}  // namespace mamori::agent
