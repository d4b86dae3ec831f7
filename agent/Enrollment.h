#pragma once
#include <filesystem>
#include <string>

#include "agent/AgentIdentity.h"

namespace mamori::agent {

// Enrolls this terminal with a one-time token. The collector is authenticated first (its CA must
// match the fingerprint in the token); then a key pair is made here and only a CSR leaves.
class Enrollment {
public:
    static AgentIdentity run(const std::filesystem::path& state_dir, const std::string& collector_url,
                             const std::string& token, const std::string& hostname);
};

}  // namespace mamori::agent
