#pragma once
#include <vector>

#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about the people who use the admin endpoint: `user add`, `list`,
// `role`, `rights`, `disable`, `enable`.
class UserCommands {
public:
    UserCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int add();
    int list();
    int change(boost::json::object body);

    CtlContext& ctx_;
    std::string name_, role_;
    std::vector<std::string> sections_, grant_, revoke_;
};

}  // namespace mamori::collector
