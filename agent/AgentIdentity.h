#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mamori/proto/Ed25519Key.h"

namespace mamori::agent {

// Who this terminal is to its collector, as enrollment left it in the state directory:
//   terminal.key (0600, generated here, never sent), terminal.pem (issued by the collector's CA),
//   ca.pem (the pinned CA), policy.pub (the pinned policy key), identity.conf.
class AgentIdentity {
public:
    std::string terminal_id;
    std::string group;
    std::vector<std::string> collectors;
    std::string certificate_pem;
    std::string ca_pem;
    std::string policy_public_key;  // raw Ed25519

    static std::optional<AgentIdentity> load(const std::filesystem::path& state_dir);  // nullopt: not enrolled
    void save(const std::filesystem::path& state_dir) const;

    static mamori::proto::Ed25519Key key(const std::filesystem::path& state_dir);
    // Creates the terminal key on first use; later calls return the same key.
    static mamori::proto::Ed25519Key ensureKey(const std::filesystem::path& state_dir);
};

}  // namespace mamori::agent
