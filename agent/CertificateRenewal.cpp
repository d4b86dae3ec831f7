#include "agent/CertificateRenewal.h"

#include <optional>
#include <stdexcept>

#include "mamori/common/Files.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/v1/api.pb.h"

namespace mamori::agent {

using mamori::common::Files;
using mamori::proto::Certificate;
using mamori::proto::Ed25519Key;

CertificateRenewal::CertificateRenewal(std::filesystem::path state_dir)
    : dir_(std::move(state_dir)), pair_(dir_ / "tls.key", dir_ / "terminal.pem") {}

std::string CertificateRenewal::keyPem() const {
    // Before the first renewal the enrollment key is the TLS key too.
    return Files::read(std::filesystem::exists(pair_.keyFile()) ? pair_.keyFile() : dir_ / "terminal.key");
}

std::string CertificateRenewal::certificatePem() const { return Files::read(pair_.certificateFile()); }

int64_t CertificateRenewal::dueUnix(const Certificate& c) {
    return c.notBeforeUnix() + (c.notAfterUnix() - c.notBeforeUnix()) / 2;
}

std::string CertificateRenewal::request(const std::string& terminal_id) const {
    auto staged = pair_.stagedKey();
    if (!staged) {
        pair_.stageKey(Ed25519Key::generate().privatePem());
        staged = pair_.stagedKey();
    }
    mamori::v1::RenewRequest req;
    req.set_csr_pem(mamori::proto::CertificateRequest::create(Ed25519Key::fromPrivatePem(*staged), terminal_id));
    return req.SerializeAsString();
}

Certificate CertificateRenewal::install(const std::string& response_body, const std::string& terminal_id,
                                        const std::string& ca_pem) const {
    const auto staged = pair_.stagedKey();
    if (!staged) throw std::runtime_error("no renewal is under way (no staged key)");
    mamori::v1::RenewResponse res;
    if (!res.ParseFromString(response_body)) throw std::runtime_error("malformed renewal response");
    std::optional<Certificate> cert;
    try {
        cert = Certificate::fromPem(res.certificate_pem());
    } catch (const std::exception&) {
        throw std::runtime_error("the renewal response holds no certificate");
    }
    // Installed only if it would work: the pinned CA's, for this terminal, for the staged key. Its
    // dates are the collector's to judge, by its clock (the evidence clock): here only the CA's
    // signature is checked, at a moment inside them, so a terminal whose clock is off still renews.
    if (!cert->issuedBy(Certificate::fromPem(ca_pem), cert->notBeforeUnix() / 2 + cert->notAfterUnix() / 2))
        throw std::runtime_error("the renewed certificate is not valid under the pinned CA");
    if (cert->commonName() != terminal_id)
        throw std::runtime_error("the renewed certificate names terminal '" + cert->commonName() + "', not '" +
                                 terminal_id + "'");
    if (cert->publicKeyRaw() != Ed25519Key::fromPrivatePem(*staged).publicRaw())
        throw std::runtime_error("the renewed certificate is not for the key this terminal staged");
    pair_.install(cert->pem());
    return *cert;
}

}  // namespace mamori::agent
