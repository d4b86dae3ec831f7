#pragma once
#include <vector>

#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about the people who use the admin endpoint: `user add`.
class UserCommands {
public:
    UserCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int add();

    CtlContext& ctx_;
    std::string name_, role_;
    std::vector<std::string> sections_;
};

}  // namespace mamori::collector
