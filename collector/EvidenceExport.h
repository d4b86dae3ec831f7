#pragma once
#include <cstdint>
#include <string>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/v1/evidence.pb.h"

namespace mamori::collector {

// Builds the evidence bundle of one terminal over a range of local dates (mamorictl export;
// EvidenceVerifier checks it offline). It holds every stored event from the first to the last
// seq dated in the range, so the chain inside it is whole: an event with a wrong clock inside
// that stretch is included, not cut out. Beside the events, the exceptions that covered the
// terminal then, with who requested, approved and revoked them.
class EvidenceExport {
public:
    static constexpr const char* kFormat = "mamori-evidence-bundle/1";
    // One bundle is one file read into memory by the verifier: a year of a busy terminal fits.
    static constexpr uint64_t kMaxEvents = 1'000'000;

    EvidenceExport(Store& store, const LocalCalendar& calendar) : store_(store), calendar_(calendar) {}

    // Throws common::UserError for an unknown terminal, bad dates, or a range without
    // events or with more than kMaxEvents.
    mamori::v1::EvidenceBundle build(const std::string& terminal_id, const std::string& from_date,
                                     const std::string& to_date, const std::string& ca_pem,
                                     const std::string& exported_by, int64_t now_unix);

private:
    // The exceptions whose scope held the terminal and whose life overlapped [from, to).
    void addExceptions(mamori::v1::EvidenceBundle& b, const TerminalRecord& terminal, int64_t from_unix,
                       int64_t to_unix, int64_t now_unix);

    Store& store_;
    const LocalCalendar& calendar_;
};

}  // namespace mamori::collector
