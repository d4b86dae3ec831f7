#include "agent/AgentStatus.h"

#include <sstream>

#include "mamori/common/ConfigFile.h"

namespace mamori::agent {

namespace {
const std::set<std::string> kKeys{"enrolled",      "terminal_id",   "collector",      "policy_version",
                                  "policy_name",   "journal_depth", "journal_bytes",  "head_seq",
                                  "acked_seq",     "last_upload",   "last_sync",      "last_error",
                                  "updated",       "pid"};

std::string when(int64_t unix) {
    if (!unix) return "never";
    time_t t = unix;
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
    return buf;
}
}  // namespace

void AgentStatus::save(const std::filesystem::path& dir) const {
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
                                      {"updated", std::to_string(updated_unix)},
                                      {"pid", std::to_string(pid)}},
                                     "# mamori-agent status, rewritten by the daemon\n", 0644);
}

AgentStatus AgentStatus::load(const std::filesystem::path& dir) {
    AgentStatus s;
    if (!std::filesystem::exists(dir / "status.conf")) return s;
    auto c = mamori::common::ConfigFile::load(dir / "status.conf", kKeys);
    constexpr long long big = 1ll << 62;
    s.enrolled = c.get("enrolled", "no") == "yes";
    s.terminal_id = c.get("terminal_id", "");
    s.collector = c.get("collector", "");
    s.policy_version = c.getInt("policy_version", 0, 0, big);
    s.policy_name = c.get("policy_name", "");
    s.journal_depth = c.getInt("journal_depth", 0, 0, big);
    s.journal_bytes = c.getInt("journal_bytes", 0, 0, big);
    s.head_seq = c.getInt("head_seq", 0, 0, big);
    s.acked_seq = c.getInt("acked_seq", 0, 0, big);
    s.last_upload_unix = c.getInt("last_upload", 0, 0, big);
    s.last_sync_unix = c.getInt("last_sync", 0, 0, big);
    s.last_error = c.get("last_error", "");
    s.updated_unix = c.getInt("updated", 0, 0, big);
    s.pid = static_cast<int>(c.getInt("pid", 0, 0, 1 << 30));
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
    return o.str();
}

}  // namespace mamori::agent
