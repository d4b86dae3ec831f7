#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about terminals: `token create`, `terminals`, `terminal set-group`,
// `terminal resolve-tampering`.
class TerminalCommands {
public:
    TerminalCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int createToken();
    int list();
    int setGroup();
    int resolveTampering();

    CtlContext& ctx_;
    std::string group_ = "default", terminal_, new_group_, note_, section_;
    int valid_hours_ = 24;
};

}  // namespace mamori::collector
