#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace mamori::agent {

// An enrollment that could not complete when it was asked for (collector unreachable, token not
// yet valid): the collector URL and the one-time token, kept in the state directory with mode
// 0600 so the daemon can keep trying in the background. A silent installation on hundreds of
// terminals must not depend on the collector answering at that very minute.
class PendingEnrollment {
public:
    std::string collector;
    std::string token;
    std::string hostname;

    static std::optional<PendingEnrollment> load(const std::filesystem::path& state_dir);
    void save(const std::filesystem::path& state_dir) const;
    static void clear(const std::filesystem::path& state_dir);

    static std::filesystem::path file(const std::filesystem::path& state_dir) { return state_dir / "enroll.pending"; }
};

}  // namespace mamori::agent
