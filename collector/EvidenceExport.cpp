#include "collector/EvidenceExport.h"

#include <algorithm>

#include "collector/ExceptionRequest.h"

#include <limits>
#include <stdexcept>
#include "mamori/common/UserError.h"

namespace mamori::collector {

mamori::v1::EvidenceBundle EvidenceExport::build(const std::string& terminal_id, const std::string& from_date,
                                                 const std::string& to_date, const std::string& ca_pem,
                                                 const std::string& exported_by, int64_t now_unix) {
    calendar_.startOfDateUnix(from_date);  // throws for anything but a date
    calendar_.startOfDateUnix(to_date);
    if (to_date < from_date) throw common::UserError::invalid("--to " + to_date + " is before --from " + from_date,
                                         "終了日 " + to_date + " が開始日 " + from_date + " より前です");
    const auto terminal = store_.terminal(terminal_id);
    if (!terminal)
        throw common::UserError::notFound("no terminal '" + terminal_id + "'",
                                          "端末 '" + terminal_id + "' は登録されていません");
    const auto range = store_.seqRangeOfDates(terminal_id, from_date, to_date);
    if (!range)
        throw common::UserError::notFound(
            "terminal " + terminal_id + " has no stored events dated " + from_date + " to " + to_date,
            "端末 " + terminal_id + " には " + from_date + " から " + to_date + " までのイベントがありません");
    const auto [first, last] = *range;
    if (last - first + 1 > kMaxEvents)
        throw common::UserError{common::UserError::Kind::TooLarge,
                                "seq " + std::to_string(first) + " to " + std::to_string(last) + " is more than " +
                                    std::to_string(kMaxEvents) + " events; export a shorter range",
                                "イベントが " + std::to_string(kMaxEvents) + " 件を超えます。期間を短くして出力してください"};

    mamori::v1::EvidenceBundle b;
    b.set_format(kFormat);
    b.set_terminal_id(terminal_id);
    b.set_from_date(from_date);
    b.set_to_date(to_date);
    b.set_time_zone(calendar_.zoneName());
    b.set_exported_unix(now_unix);
    b.set_exported_by(exported_by);
    b.set_terminal_certificate_pem(terminal->certificate_pem);
    b.set_ca_certificate_pem(ca_pem);
    constexpr uint32_t kPage = 5000;
    for (uint64_t after = first - 1; after < last;) {
        const auto page = store_.events(terminal_id, std::numeric_limits<int64_t>::min(), after, kPage);
        if (page.empty()) break;
        for (const auto& e : page) {
            if (e.seq > last) break;
            auto* ev = b.add_events();
            ev->set_body(e.body);
            ev->set_prev_hash(e.prev_hash);
            ev->set_hash(e.hash);
            ev->set_signature(e.signature);
        }
        after = page.back().seq;
    }

    b.set_head_seq(first - 1);
    if (first == 1) {
        b.set_head_hash(std::string(32, '\0'));  // the chain's origin
        b.set_head_from_store(true);
    } else if (const auto stored = store_.eventHash(terminal_id, first - 1)) {
        b.set_head_hash(*stored);
        b.set_head_from_store(true);
    } else {
        // Removed by retention (or never received): the chain can only start where it now starts.
        b.set_head_hash(b.events(0).prev_hash());
        b.set_head_from_store(false);
    }
    addExceptions(b, *terminal, calendar_.startOfDateUnix(from_date), calendar_.startOfDateUnix(to_date, 1), now_unix);
    return b;
}

void EvidenceExport::addExceptions(mamori::v1::EvidenceBundle& b, const TerminalRecord& terminal, int64_t from_unix,
                                   int64_t to_unix, int64_t now_unix) {
    for (const auto& r : store_.exceptions()) {
        const bool in_scope = (!r.terminal.empty() && r.terminal == terminal.id) ||
                              (!r.group.empty() && r.group == terminal.group);
        const int64_t ended = r.ended_unix != 0 ? std::min(r.ended_unix, r.expires_unix) : r.expires_unix;
        if (!in_scope || r.created_unix >= to_unix || ended <= from_unix) continue;
        auto* entry = b.add_exceptions();
        entry->set_exception(r.exception);
        entry->set_state(ExceptionRequest::stateAt(r, now_unix));
        for (const auto& c : store_.exceptionHistory(r.id)) {
            auto* change = entry->add_changes();
            change->set_at_unix(c.at_unix);
            change->set_actor(c.actor);
            change->set_role(c.role);
            change->set_action(c.action);
            change->set_note(c.note);
        }
    }
}

}  // namespace mamori::collector
