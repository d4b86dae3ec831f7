#pragma once
#include <vector>

#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about the people who use the admin endpoint: `user add`, `list`,
// `role`, `rights`, `disable`, `enable`, `password`; and the city's titles of the roles: `role list`, `role title`.
class UserCommands {
public:
    UserCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int add();
    int list();
    int change(boost::json::object body);
    int roles();
    int title();
    int password();

    CtlContext& ctx_;
    std::string name_, role_, title_;
    bool standard_ = false;
    std::vector<std::string> sections_, grant_, revoke_;
};

}  // namespace mamori::collector
