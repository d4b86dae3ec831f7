#include "agent/EventSink.h"

#include "mamori/v1/event.pb.h"

namespace mamori::agent {

uint64_t EventSink::emit(mamori::v1::EventBody body, const std::optional<Journal::Cursor>& cursor) {
    body.set_terminal_id(terminal_id_);
    body.set_utc_ns(clock_.utcNs());
    body.set_monotonic_ns(clock_.monotonicNs());
    body.set_boot_id(clock_.bootId());
    if (!body.policy_version()) body.set_policy_version(policy_version_);
    journal_.append(std::move(body), cursor);
    if (on_appended_) on_appended_();
    return journal_.head().seq;
}

}  // namespace mamori::agent
