#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "collector/TerminalStore.h"
#include "mamori/proto/Certificate.h"

namespace mamori::collector {

// Whether a TLS caller's certificate (already verified against the CA by the handshake) may speak
// for its terminal now: the one place the agent endpoint decides it, for sync, events and renew.
// A terminal is known by its certificate's CN; the certificate must carry the terminal's current
// TLS key, or its pending one (a renewed certificate presented for the first time, which then
// becomes the current one). A decommissioned terminal is refused whatever it presents, and so is
// a certificate past its end (a resumed TLS session carries the one verified when it began).
class TerminalAdmission {
public:
    struct Verdict {
        std::optional<TerminalRecord> terminal;  // set when admitted, as it is after any adoption
        unsigned http_status = 200;
        std::string refusal;  // English and Japanese, for the agent's log
        std::string log;      // for the collector's log
        bool adopted = false;  // the caller's renewed certificate became the terminal's current one
    };

    explicit TerminalAdmission(TerminalStore& store) : store_(store) {}

    Verdict judge(const mamori::proto::Certificate& caller, int64_t now_unix);
    // The refusal of a decommissioned terminal, in both languages (also for EventIngest).
    static std::string decommissioned(const TerminalRecord& t);

private:
    TerminalStore& store_;
};

}  // namespace mamori::collector
