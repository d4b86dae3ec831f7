#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about evidence: `violations`, `events`, `export`, `verify`, `access-log`.
// Every read of a terminal's events is recorded by the collector, and `access-log` shows them.
class EvidenceCommands {
public:
    EvidenceCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int violations();
    int events();
    int exportBundle();
    int verify();
    int accessLog();
    // --since as the query parameter the collector takes: the date, which it reads in its zone.
    std::string sinceParam() const;

    CtlContext& ctx_;
    bool today_ = false, all_ = false;
    std::string date_, section_, control_, terminal_, since_, from_, to_, out_, file_, ca_file_, user_;
    int limit_ = 1000;
};

}  // namespace mamori::collector
