#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's periodic reports: `report monthly` (月次点検).
class ReportCommands {
public:
    ReportCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int monthly();

    CtlContext& ctx_;
    std::string month_, section_;
};

}  // namespace mamori::collector
