#include "agent/AgentStatus.h"

#include <chrono>
#include <limits>
#include <optional>
#include <sstream>

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Files.h"
#include "mamori/common/PrometheusText.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace {
const std::set<std::string> kKeys{"enrolled",      "terminal_id",   "collector",      "policy_version",
                                  "policy_name",   "journal_depth", "journal_bytes",  "head_seq",
                                  "acked_seq",     "last_upload",   "last_sync",      "last_error",
                                  "updated",       "pid",            "heartbeat_minutes"};

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
    // Replaced whole, so the textfile collector never reads half of it.
    mamori::common::Files::writeAtomic(dir / "metrics.prom", prometheus(now), 0644);
}

std::string AgentStatus::prometheus(int64_t now_unix) const {
    mamori::common::PrometheusText out;
    auto gauge = [&](const char* name, const char* help, double value) {
        out.family(name, "gauge", help);
        out.sample(name, {}, value);
    };
    out.family("mamori_agent_info", "gauge", "The terminal's id and the policy in force");
    out.sample("mamori_agent_info", {{"terminal", terminal_id}, {"policy", policy_name}}, 1);
    gauge("mamori_agent_enrolled", "1 when the terminal is enrolled with a collector", enrolled ? 1 : 0);
    gauge("mamori_agent_reporting",
          "1 when the last upload is within the policy's heartbeat, as mamori-agent status judges it",
          health(std::optional<uint32_t>(0), now_unix).exit_code == kReporting ? 1 : 0);
    gauge("mamori_agent_policy_version", "Version of the signed policy in force (0: the built-in default)",
          static_cast<double>(policy_version));
    gauge("mamori_agent_journal_events", "Events journaled and not yet acknowledged by the collector",
          static_cast<double>(journal_depth));
    gauge("mamori_agent_journal_bytes", "Bytes of those events", static_cast<double>(journal_bytes));
    gauge("mamori_agent_head_seq", "Sequence number of the last event journaled", static_cast<double>(head_seq));
    gauge("mamori_agent_acked_seq", "Sequence number up to which the collector has acknowledged",
          static_cast<double>(acked_seq));
    gauge("mamori_agent_last_upload_timestamp_seconds", "When an upload last succeeded (0: never)",
          static_cast<double>(last_upload_unix));
    gauge("mamori_agent_last_sync_timestamp_seconds", "When a sync with the collector last succeeded (0: never)",
          static_cast<double>(last_sync_unix));
    gauge("mamori_agent_heartbeat_seconds", "The policy's heartbeat: the longest a reporting agent goes without uploading",
          static_cast<double>(int64_t{heartbeat_minutes} * 60));
    gauge("mamori_agent_updated_timestamp_seconds", "When the daemon last wrote these figures",
          static_cast<double>(now_unix));
    return out.text();
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
    // Written by agents since they judge their own reporting; older files have none.
    if (c.get("heartbeat_minutes")) s.heartbeat_minutes = static_cast<uint32_t>(number("heartbeat_minutes", 1 << 20));
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

AgentStatus::Health AgentStatus::health(std::optional<uint32_t> running, int64_t now) const {
    if (!running)
        return {kNotRunning,
                "mamori-agent is not running: no control is enforced by it and nothing is reported (start it: "
                "systemctl start mamori-agent; its log: journalctl -u mamori-agent)",
                "mamori-agent が動作していません。制御は行われず、何も報告されません（起動: systemctl start "
                "mamori-agent、ログ: journalctl -u mamori-agent）"};
    const std::string pid = *running ? " (pid " + std::to_string(*running) + ")" : "";
    if (!enrolled)
        return {kNotEnrolled,
                "mamori-agent is running" + pid +
                    " but not enrolled: events stay on this terminal (enroll with: mamori-agent enroll "
                    "--collector URL --token TOKEN)",
                "mamori-agent は動作中" + pid +
                    "ですが、登録されていません。イベントはこの端末に留まります（登録: mamori-agent enroll "
                    "--collector URL --token TOKEN）"};
    const int64_t limit = int64_t{heartbeat_minutes} * 60 + kUploadGraceSeconds;
    if (!last_upload_unix || now - last_upload_unix > limit) {
        const std::string heartbeat = std::to_string(heartbeat_minutes);
        return {kNotReporting,
                "mamori-agent is running" + pid + " but not reporting: " +
                    (last_upload_unix ? "its last upload, at " + when(last_upload_unix) + ", is older than its " +
                                            heartbeat + "-minute heartbeat"
                                      : std::string("no upload has succeeded since it started")) +
                    " (see last error above)",
                "mamori-agent は動作中" + pid + "ですが、報告できていません（" +
                    (last_upload_unix ? "最後の送信 " + when(last_upload_unix) + " からハートビート（" + heartbeat +
                                            "分）以上経過"
                                      : std::string("起動後に送信が一度も成功していません")) +
                    "）。上の last error を確認してください"};
    }
    return {kReporting, "mamori-agent is running" + pid + " and reporting",
            "mamori-agent は動作中" + pid + "で、報告できています"};
}

}  // namespace mamori::agent
