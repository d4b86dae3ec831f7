#pragma once
#include <filesystem>
#include <map>
#include <string>

namespace mamori::agent {

// The unapproved packages already reported (name -> version), kept on disk so that a restart
// neither reports them again nor misses one removed while the agent was down.
class InventoryLedger {
public:
    explicit InventoryLedger(std::filesystem::path file);

    const std::map<std::string, std::string>& reported() const { return reported_; }
    // Replaces the set; written atomically, and only when it changed.
    void replace(std::map<std::string, std::string> reported);

private:
    std::filesystem::path file_;
    std::map<std::string, std::string> reported_;
};

}  // namespace mamori::agent
