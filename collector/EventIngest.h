#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/v1/api.pb.h"

namespace mamori::collector {

// Turns an uploaded batch into stored evidence. The batch must be the certificate's terminal's.
// Every event is authenticated on its own terms (BatchAuthenticator): the authentic ones are
// stored, whatever sits next to them; the rest are acknowledged as refused and recorded as
// tampering, under seqs taken from the authentic events around them or from the stored head,
// never from their own bodies. A gap, a fork or a refused stretch is an EVIDENCE violation and
// never blocks the batches after it.
//
// Events are filed under the local date of their own time, or of their arrival when the
// terminal's clock was judged wrong at its last sync or the time is impossible.
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

    // The batch's events' bytes move into the store without a copy: the caller's batch is left
    // without them. (Taken by reference so that a batch parsed on an arena stays there.)
    Result ingest(const TerminalRecord& terminal, mamori::v1::EventBatch& batch, int64_t now_unix);

    // Told of each batch once it is stored (the terminal as stored, the batch): alerts and
    // forwarding. Set before serving; it must not block.
    using Observer = std::function<void(const TerminalRecord&, const IngestBatch&)>;
    void observe(Observer o) { observer_ = std::move(o); }

    // The municipality's calendar events are filed by; a clock violation found at sync is
    // counted on its date too.
    const LocalCalendar& calendar() const { return calendar_; }

private:
    TerminalStore& terminals_;
    EvidenceStore& evidence_;
    const LocalCalendar& calendar_;
    Observer observer_;
    // Batches of one terminal are ingested one at a time, so its head moves in order.
    std::array<std::mutex, 64> stripes_;
};

}  // namespace mamori::collector
