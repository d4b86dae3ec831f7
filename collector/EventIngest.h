#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/v1/api.pb.h"

namespace mamori::collector {

// Turns an uploaded batch into stored evidence. The batch must be the certificate's terminal's,
// chain from what is stored, and be signed at its head by the terminal's key. A gap, a fork or
// a broken chain is recorded as an EVIDENCE violation, and never blocks the batches after it.
class EventIngest {
public:
    struct Result {
        unsigned http_status = 200;
        mamori::v1::EventAck ack;
        std::string error;  // for the log and the response when refused
    };

    EventIngest(TerminalStore& terminals, EvidenceStore& evidence, const LocalCalendar& calendar)
        : terminals_(terminals), evidence_(evidence), calendar_(calendar) {}
    EventIngest(Store& store, const LocalCalendar& calendar) : EventIngest(store, store, calendar) {}

    Result ingest(const TerminalRecord& terminal, const mamori::v1::EventBatch& batch, int64_t now_unix);

private:
    TerminalStore& terminals_;
    EvidenceStore& evidence_;
    const LocalCalendar& calendar_;
    // Batches of one terminal are ingested one at a time, so its head moves in order.
    std::array<std::mutex, 64> stripes_;
};

}  // namespace mamori::collector
