#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::v1 {
class Policy;
}

namespace mamori::collector {

// mamorictl's commands about policy profiles: `policy check` (offline), `policy push`,
// `policy status`.
class PolicyCommands {
public:
    PolicyCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int check();
    int push();
    int status();
    // Validates the profile; prints its problems (file:line) and returns false when it has any.
    bool load(mamori::v1::Policy& out);

    CtlContext& ctx_;
    std::string file_, group_ = "all", section_;
    bool behind_ = false, create_section_ = false;
};

}  // namespace mamori::collector
