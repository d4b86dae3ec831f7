#pragma once
// Records for Store tests: terminals, and events whose chain fields are placeholders (the
// store keeps them as they are; ingest has verified them before a store sees them).
#include <cstdint>
#include <string>
#include <vector>

#include "collector/Store.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::test {

inline constexpr int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kNs = 1'000'000'000;

// A profile with a city hall's office hours (開庁時間): 8:30-17:45 on weekdays, national holidays
// and the year-end break closed.
inline mamori::v1::Policy officeHoursPolicy(const std::string& name = "office") {
    mamori::v1::Policy p;
    p.set_name(name);
    auto* hours = p.mutable_hours();
    for (auto d : {mamori::v1::MONDAY, mamori::v1::TUESDAY, mamori::v1::WEDNESDAY, mamori::v1::THURSDAY,
                   mamori::v1::FRIDAY})
        hours->add_weekdays(d);
    auto* w = hours->add_windows();
    w->set_start_minute(8 * 60 + 30);
    w->set_end_minute(17 * 60 + 45);
    hours->set_national_holidays_closed(true);
    hours->set_year_end_closed(true);
    return p;
}

inline mamori::collector::TerminalRecord terminal(const std::string& id, const std::string& group = "総務課",
                                                  int64_t enrolled_unix = kNow) {
    mamori::collector::TerminalRecord t;
    t.id = id;
    t.hostname = id + ".local";
    t.group = group;
    t.certificate_pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
    t.public_key = std::string(32, '\x07');
    t.enrolled_unix = enrolled_unix;
    return t;
}

inline mamori::collector::IngestEvent event(uint64_t seq, const std::string& date = "2026-01-05",
                                            mamori::v1::Control control = mamori::v1::USB, bool violation = false,
                                            mamori::v1::Outcome outcome = mamori::v1::OUTCOME_UNSPECIFIED) {
    mamori::collector::IngestEvent e;
    e.seq = seq;
    e.utc_ns = (kNow + static_cast<int64_t>(seq)) * kNs;
    e.local_date = date;
    e.type = violation ? mamori::v1::USB_BLOCKED : mamori::v1::HEARTBEAT;
    e.control = control;
    e.violation = violation;
    e.outcome = outcome;
    e.rule_id = violation ? "usb-default-deny" : "";
    e.body = std::string(180, static_cast<char>('a' + seq % 26));
    e.prev_hash = std::string(32, static_cast<char>(seq - 1));
    e.hash = std::string(32, static_cast<char>(seq));
    e.signature = std::string(64, '\x5a');
    return e;
}

// Events first..first+n-1 for one terminal, all heartbeats on one date.
inline mamori::collector::IngestBatch batch(const std::string& terminal_id, uint64_t first, uint32_t n,
                                            const std::string& date = "2026-01-05") {
    mamori::collector::IngestBatch b;
    b.terminal_id = terminal_id;
    for (uint64_t s = first; s < first + n; ++s) b.events.push_back(event(s, date));
    if (n > 0) {
        b.new_head_seq = first + n - 1;
        b.new_head_hash = b.events.back().hash;
    }
    b.now_unix = kNow;
    return b;
}

// A registration request of the media ledger for `device`, kept by `section`, usable until
// `expires`, on `terminals` only when given; and the change that records it.
inline mamori::collector::MediaRecord mediaRecord(const std::string& device, const std::string& section,
                                                  int64_t expires, std::vector<std::string> terminals = {}) {
    mamori::collector::MediaRecord m;
    m.device = device;
    m.description = "SanDisk Ultra";
    m.owner_section = section;
    m.terminals = std::move(terminals);
    m.purpose = "選挙事務";
    m.encrypted = true;
    m.until = "2026-01-31";
    m.expires_unix = expires;
    m.requested_by = "sato";
    m.requested_unix = kNow;
    m.version = 12345;  // ignored: the store assigns versions (and ledger numbers)
    return m;
}

inline mamori::collector::MediaChange mediaChange(const std::string& action, int64_t at = kNow,
                                                  const std::string& id = "") {
    return {id, at, action == "requested" ? "sato" : "suzuki", action == "requested" ? "security_admin" : "ciso", action,
            "note of " + action};
}

// The entry moved on to `state` by `actor` at `at`, as MediaApi changes it.
inline mamori::collector::MediaRecord mediaMoved(mamori::collector::MediaRecord m, const std::string& state,
                                                 int64_t at, const std::string& actor = "suzuki") {
    m.state = state;
    if (state == "active") {
        m.approved_by = actor;
        m.approved_unix = at;
    } else if (state == "retiring") {
        m.retire_requested_by = actor;
        m.retire_requested_unix = at;
        m.erased_by = "山田";
        m.erase_method = "overwrite";
        m.retire_reason = "事務終了";
    } else {
        m.ended_by = actor;
        m.ended_unix = at;
    }
    return m;
}

}  // namespace mamori::test
