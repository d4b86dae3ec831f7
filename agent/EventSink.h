#pragma once
#include <functional>
#include <optional>
#include <string>

#include "agent/Journal.h"
#include "mamori/platform/Clock.h"
#include "mamori/v1/event.pb.h"

namespace mamori::agent {

// Where every control reports: stamps who, when (wall, monotonic, boot) and under which policy,
// makes the event durable in the journal, and only then tells the uploader there is work.
class EventSink {
public:
    EventSink(Journal& journal, const mamori::platform::Clock& clock, std::string terminal_id)
        : journal_(journal), clock_(clock), terminal_id_(std::move(terminal_id)) {}

    void setPolicyVersion(uint64_t v) { policy_version_ = v; }
    void onAppended(std::function<void()> f) { on_appended_ = std::move(f); }

    // Returns once the event is on disk, with the cursor if one is given (Journal::Cursor);
    // throws if it could not be stored.
    uint64_t emit(mamori::v1::EventBody body, const std::optional<Journal::Cursor>& cursor = std::nullopt);
    // The journal's cursor of this name.
    std::optional<std::string> cursor(const std::string& name) const { return journal_.cursor(name); }

private:
    Journal& journal_;
    const mamori::platform::Clock& clock_;
    std::string terminal_id_;
    uint64_t policy_version_ = 0;
    std::function<void()> on_appended_;
};

}  // namespace mamori::agent
