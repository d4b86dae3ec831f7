#include "collector/EvidenceExport.h"

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
    const auto terminal = terminals_.terminal(terminal_id);
    if (!terminal)
        throw common::UserError::notFound("no terminal '" + terminal_id + "'",
                                          "端末 '" + terminal_id + "' は登録されていません");
    const auto range = evidence_.seqRangeOfDates(terminal_id, from_date, to_date);
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
        const auto page = evidence_.events(terminal_id, std::numeric_limits<int64_t>::min(), after, kPage);
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
    } else if (const auto stored = evidence_.eventHash(terminal_id, first - 1)) {
        b.set_head_hash(*stored);
        b.set_head_from_store(true);
    } else {
        // Removed by retention (or never received): the chain can only start where it now starts.
        b.set_head_hash(b.events(0).prev_hash());
        b.set_head_from_store(false);
    }
    return b;
}

}  // namespace mamori::collector
