#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "mamori/v1/evidence.pb.h"

namespace mamori::collector {

// Checks an evidence bundle offline (mamorictl verify), trusting nothing in it but what it can
// prove: the terminal certificate must be issued by the CA, every event's hash must link to the
// one before (from the chain head on) and every signature must verify with the certificate's
// key (ChainVerifier::checkAll). The CA inside the bundle is only as good as the file: give the
// collector's ca.pem as pinned_ca_pem to check against the CA you already trust.
class EvidenceVerifier {
public:
    struct Verdict {
        bool ok = false;
        std::optional<uint64_t> bad_seq;  // the first event that fails, when one does
        std::string reason;               // why it failed, in English
        std::string reason_ja;            // the same for an administrator
        std::string summary;              // what was verified, when ok
        std::string ca_fingerprint;       // of the CA the certificate was checked against
    };

    static Verdict verify(const mamori::v1::EvidenceBundle& bundle, const std::string& pinned_ca_pem = "");

    // The file as `mamorictl export` writes it; throws std::runtime_error if it is not a bundle.
    static mamori::v1::EvidenceBundle read(const std::string& path);
};

}  // namespace mamori::collector
