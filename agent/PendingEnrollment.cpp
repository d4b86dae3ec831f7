#include "agent/PendingEnrollment.h"

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Files.h"

namespace mamori::agent {

std::optional<PendingEnrollment> PendingEnrollment::load(const std::filesystem::path& state_dir) {
    if (!std::filesystem::exists(file(state_dir))) return std::nullopt;
    auto cfg = mamori::common::ConfigFile::load(file(state_dir), {"collector", "token", "hostname"});
    PendingEnrollment p;
    p.collector = cfg.get("collector", "");
    p.token = cfg.get("token", "");
    p.hostname = cfg.get("hostname", "");
    if (p.collector.empty() || p.token.empty()) return std::nullopt;
    return p;
}

void PendingEnrollment::save(const std::filesystem::path& state_dir) const {
    std::filesystem::create_directories(state_dir);
    // The token is a secret until it is used: owner-only, like the terminal's key.
    mamori::common::Files::writeAtomic(file(state_dir),
                                      "collector = " + collector + "\ntoken = " + token + "\nhostname = " + hostname + "\n",
                                      0600);
}

void PendingEnrollment::clear(const std::filesystem::path& state_dir) {
    std::error_code ec;
    std::filesystem::remove(file(state_dir), ec);
}

}  // namespace mamori::agent
