#include "agent/LocallyDisabledControl.h"

#include "mamori/common/Log.h"

namespace mamori::agent {

namespace v1 = mamori::v1;

LocallyDisabledControl::LocallyDisabledControl(EventSink& sink, const std::filesystem::path& state_dir)
    : sink_(sink), ledger_(state_dir / "controls-disabled-locally") {}

void LocallyDisabledControl::disabled(v1::Control control, const std::string& setting, const std::string& reason) {
    const std::string key = v1::Control_Name(control);
    if (ledger_.open().count(key)) return;
    report(v1::CONTROL_DISABLED_LOCALLY, control, setting, reason);
    ledger_.set(key, reason);  // after the event is journaled: a crash in between reports it again
    Log::warn(reason + ": the policy asks for this control, so the terminal reports it as a violation / " + setting +
              " が off のため、ポリシーが求める制御が無効です。違反として報告します");
}

void LocallyDisabledControl::restored(v1::Control control, const std::string& setting, const std::string& reason) {
    const std::string key = v1::Control_Name(control);
    if (!ledger_.open().count(key)) return;
    report(v1::CONTROL_RESTORED_LOCALLY, control, setting, reason);
    ledger_.erase(key);
    Log::info(reason + " / " + setting + " による無効化は解除されました");
}

void LocallyDisabledControl::report(v1::EventType type, v1::Control control, const std::string& setting,
                                    const std::string& reason) {
    v1::EventBody b;
    b.set_type(type);
    b.set_control(control);
    b.set_rule_id(setting);
    const bool violation = type == v1::CONTROL_DISABLED_LOCALLY;
    b.set_violation(violation);
    // Reported, not undone: the agent does not override the terminal's own configuration.
    if (violation) b.set_outcome(v1::REPORTED);
    auto* d = b.mutable_agent();
    d->set_agent_version(MAMORI_VERSION);
    d->set_reason(reason);
    sink_.emit(std::move(b));
}

}  // namespace mamori::agent
