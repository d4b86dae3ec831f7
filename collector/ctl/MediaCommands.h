#pragma once
#include <string>
#include <vector>

#include "collector/ctl/CtlContext.h"
#include "mamori/common/CommandLine.h"

namespace mamori::collector {

// mamorictl's commands about the media ledger (媒体管理台帳): `media register`, `approve`,
// `retire`, `withdraw`, `list`, `export`, `history`. As with exceptions, the account of the token
// is the requester or the approver, and another account must approve what one asked for.
class MediaCommands {
public:
    MediaCommands(common::CommandLine& cli, CtlContext& ctx);

private:
    int registerMedium();
    int approve();
    int retire();
    int withdraw();
    // list and export: the ledger as an auditor reads it, one line per stick.
    int ledger();
    int history();
    // One line saying what an entry now is, after a change.
    void say(const boost::json::value& v, const CtlLanguage::Words& done) const;

    CtlContext& ctx_;
    std::string device_, from_event_, section_, purpose_, access_ = "read-only", encrypted_, until_, description_, id_,
        note_, erased_by_, method_, reason_, state_;
    std::vector<std::string> terminals_;
};

}  // namespace mamori::collector
