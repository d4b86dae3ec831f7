#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "mamori/common/KeyPairFiles.h"
#include "mamori/proto/Certificate.h"

namespace mamori::agent {

// Keeps the terminal's TLS client certificate current. Once half its lifetime has passed (well
// before two thirds, so failed attempts have time to be retried) the uploader asks the collector,
// over the mutual-TLS channel it already has, for a certificate for a key pair made here: the key
// is staged in the state directory (tls.key.new, 0600, written atomically) and kept until its
// certificate is installed, so a crash or a lost answer only means asking again with the same key.
// The collector keeps the old certificate valid until the new one is first presented.
//
// Files: terminal.key signs the journal's events and is never replaced (the collector verifies
// every event, before and after a renewal, with the key it registered at enrollment, so the hash
// chain goes on without a gap and old events stay verifiable); terminal.pem is the TLS
// certificate; its key is tls.key once a renewal has happened, terminal.key before.
class CertificateRenewal {
public:
    explicit CertificateRenewal(std::filesystem::path state_dir);

    // Finishes an installation a crash interrupted. Before anything reads the TLS identity.
    void recover() const { pair_.recover(); }

    // The TLS identity in use.
    std::string keyPem() const;
    std::string certificatePem() const;

    // When the certificate's renewal is due: half way from its start to its end.
    static int64_t dueUnix(const mamori::proto::Certificate& certificate);
    static bool due(const mamori::proto::Certificate& certificate, int64_t now_unix) {
        return now_unix >= dueUnix(certificate);
    }

    // The body of POST /v1/renew: a CSR for the staged key (made now unless an interrupted
    // attempt left one).
    std::string request(const std::string& terminal_id) const;
    // Checks the collector's answer and switches to the new certificate and key. Throws
    // std::runtime_error when the answer is malformed or is not a certificate of the pinned CA
    // for this terminal and the staged key; the staged key stays for the next attempt.
    mamori::proto::Certificate install(const std::string& response_body, const std::string& terminal_id,
                                       const std::string& ca_pem) const;
    // Drops the staged key after the collector refused the request itself (not a lost answer):
    // the next attempt makes a new one rather than repeat the refused request forever.
    void abandon() const { pair_.discardStagedKey(); }

private:
    std::filesystem::path dir_;
    mamori::common::KeyPairFiles pair_;
};

}  // namespace mamori::agent
