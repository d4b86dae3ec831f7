#pragma once
#include <filesystem>
#include <string>

#include "agent/ConditionLedger.h"
#include "agent/EventSink.h"
#include "mamori/v1/common.pb.h"

namespace mamori::agent {

// A control the policy asks for, switched off in the terminal's own configuration (agent.conf):
// the terminal is then unguarded in that respect, a violation that stands until the setting is
// on again. Reported as CONTROL_DISABLED_LOCALLY once when it begins and
// CONTROL_RESTORED_LOCALLY once when it ends; a ledger in the state directory keeps which are
// off, so neither every policy applied nor every restart reports it again. agent.conf is read
// at start, so the end is seen at the first start with the setting on.
class LocallyDisabledControl {
public:
    LocallyDisabledControl(EventSink& sink, const std::filesystem::path& state_dir);

    // control is switched off by setting (its name in agent.conf), as reason says.
    void disabled(mamori::v1::Control control, const std::string& setting, const std::string& reason);
    // control is on again, or the policy no longer asks for it.
    void restored(mamori::v1::Control control, const std::string& setting, const std::string& reason);

private:
    void report(mamori::v1::EventType type, mamori::v1::Control control, const std::string& setting,
                const std::string& reason);

    EventSink& sink_;
    ConditionLedger ledger_;  // control name -> the reason reported
};

}  // namespace mamori::agent
