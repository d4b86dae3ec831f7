#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "collector/CertificateAuthority.h"
#include "collector/TerminalStore.h"

namespace mamori::collector {

// POST /v1/renew for a terminal TerminalAdmission admitted with its current certificate: reads
// the request (a CSR for a key pair the terminal has just made), checks the CSR's self-signature
// and that the key is new, and issues a certificate for the same terminal id, stored as pending
// until the terminal presents it (TerminalStore::offerCertificate). The evidence certificate, for
// the unchanged key that signs the terminal's events, is re-issued with it so that exports stay
// verifiable as long as the terminal is in service.
class TerminalRenewal {
public:
    struct Result {
        unsigned http_status = 200;
        std::string body;   // a serialized RenewResponse when 200, else the refusal (English / Japanese)
        std::string error;  // the refusal for the collector's log
    };

    TerminalRenewal(TerminalStore& store, const CertificateAuthority& ca, std::chrono::seconds validity)
        : store_(store), ca_(ca), validity_(validity) {}

    Result renew(const TerminalRecord& terminal, std::string_view request_body);

private:
    TerminalStore& store_;
    const CertificateAuthority& ca_;
    std::chrono::seconds validity_;
};

}  // namespace mamori::collector
