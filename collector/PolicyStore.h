#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector {

struct PolicyRecord {
    uint64_t version = 0;
    std::string group;
    std::string name;
    std::string policy;  // serialized mamori::v1::Policy
    int64_t created_unix = 0;
    std::string created_by;
};

// Signed policy profiles. Versions are global and strictly increasing across groups.
class PolicyStore {
public:
    virtual ~PolicyStore() = default;

    virtual uint64_t addPolicy(PolicyRecord p) = 0;  // assigns and returns the version
    virtual std::optional<PolicyRecord> latestPolicy(const std::string& group) = 0;
    // Every group some policy was pushed to, in no particular order.
    virtual std::vector<std::string> policyGroups() = 0;
};

}  // namespace mamori::collector
