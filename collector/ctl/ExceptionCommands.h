#pragma once
#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about exceptions (例外措置): `exception request`, `approve`, `revoke`,
// `list`, `history`. The account of the token is the requester or the approver: nobody types a name.
class ExceptionCommands {
public:
    ExceptionCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int request();
    int approve();
    int revoke();
    int list();
    int history();
    // One line saying what an exception now is, after a change.
    void say(const boost::json::value& v, const CtlLanguage::Words& done) const;

    CtlContext& ctx_;
    std::string terminal_, group_, user_, control_, device_, access_ = "read-only", sha256_, path_, until_, reason_,
        id_, note_, state_, section_, expiring_;
    bool hours_extension_ = false;
};

}  // namespace mamori::collector
