#pragma once

#include "mamori/v1/policy.pb.h"

#include <string>

namespace mamori::policy {

// What a policy enforces, in plain words, one paragraph per control: the answer
// `mamorictl policy check FILE` prints so an administrator can confirm the profile says
// what they meant before pushing it to terminals.
class PolicySummary {
public:
    static std::string describe(const mamori::v1::Policy& policy);
};

}  // namespace mamori::policy
