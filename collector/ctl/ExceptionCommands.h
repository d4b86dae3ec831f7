#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about exceptions (例外措置): `exception grant`, `exception list`.
class ExceptionCommands {
public:
    ExceptionCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int grant();
    int list();

    CtlContext& ctx_;
    std::string terminal_, group_, control_, device_, software_, until_, reason_, requested_by_, approved_by_,
        expiring_;
    bool hours_extension_ = false;
};

}  // namespace mamori::collector
