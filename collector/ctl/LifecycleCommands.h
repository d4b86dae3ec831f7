#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about the lifecycle of terminals and of the collector's certificates:
// `status`, `token list`, `token revoke`, `terminal decommission` (LifecycleApi on the collector).
// It adds to the `token` and `terminal` groups TerminalCommands made, so it is built after them.
class LifecycleCommands {
public:
    LifecycleCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int status();
    int listTokens();
    int revokeToken();
    int decommission();

    CtlContext& ctx_;
    std::string token_id_, terminal_, reason_;
};

}  // namespace mamori::collector
