#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands on a store itself, with the collector stopped: `migrate`.
class StoreCommands {
public:
    explicit StoreCommands(common::CommandLine& cli);

private:
    int migrate();

    std::string from_, to_;
};

}  // namespace mamori::collector
