#include "agent/AgentIdentity.h"

#include <sstream>

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Files.h"

namespace mamori::agent {

using mamori::common::Files;

std::optional<AgentIdentity> AgentIdentity::load(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / "identity.conf")) return std::nullopt;
    auto cfg = mamori::common::ConfigFile::load(dir / "identity.conf", {"terminal_id", "group", "collector"});
    AgentIdentity id;
    id.terminal_id = cfg.get("terminal_id", "");
    id.group = cfg.get("group", "");
    std::stringstream urls(cfg.get("collector", ""));
    for (std::string url; std::getline(urls, url, ',');)
        if (!url.empty()) id.collectors.push_back(url);
    id.certificate_pem = Files::read(dir / "terminal.pem");
    id.ca_pem = Files::read(dir / "ca.pem");
    id.policy_public_key = Files::read(dir / "policy.pub");
    return id;
}

void AgentIdentity::save(const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    Files::writeAtomic(dir / "terminal.pem", certificate_pem);
    Files::writeAtomic(dir / "ca.pem", ca_pem);
    Files::writeAtomic(dir / "policy.pub", policy_public_key);
    std::string urls;
    for (const auto& u : collectors) urls += (urls.empty() ? "" : ",") + u;
    // Written last: its presence is what "enrolled" means, so a crash midway leaves "not enrolled".
    mamori::common::ConfigFile::write(dir / "identity.conf",
                                     {{"terminal_id", terminal_id}, {"group", group}, {"collector", urls}},
                                     "# written by mamori-agent enroll; do not edit\n", 0644);
}

mamori::proto::Ed25519Key AgentIdentity::key(const std::filesystem::path& dir) {
    return mamori::proto::Ed25519Key::fromPrivatePem(common::Files::read(dir / "terminal.key"));
}

mamori::proto::Ed25519Key AgentIdentity::ensureKey(const std::filesystem::path& dir) {
    if (std::filesystem::exists(dir / "terminal.key")) return key(dir);
    std::filesystem::create_directories(dir);
    auto k = mamori::proto::Ed25519Key::generate();
    common::Files::writeSecret(dir / "terminal.key", k.privatePem());
    return k;
}

}  // namespace mamori::agent
