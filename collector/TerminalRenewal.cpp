#include "collector/TerminalRenewal.h"

#include "mamori/common/UserError.h"
#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/v1/api.pb.h"

namespace mamori::collector {

namespace {

TerminalRenewal::Result refused(unsigned status, const std::string& en, const std::string& ja) {
    return TerminalRenewal::Result{status, en + " / " + ja + "\n", en};
}

}  // namespace

TerminalRenewal::Result TerminalRenewal::renew(const TerminalRecord& terminal, std::string_view request_body) {
    mamori::v1::RenewRequest in;
    if (!in.ParseFromArray(request_body.data(), static_cast<int>(request_body.size())))
        return refused(400, "malformed renewal request", "証明書更新の要求の形式が不正です");
    std::optional<mamori::proto::CertificateRequest> csr;
    try {
        csr = mamori::proto::CertificateRequest::parse(in.csr_pem());
    } catch (const std::exception& e) {
        return refused(400, std::string("bad certificate request: ") + e.what(), "証明書署名要求（CSR）が不正です");
    }
    const std::string key = csr->publicKey().publicRaw();
    // A renewal must bring a new key: the one in use would renew nothing, and the key that signs
    // the events stays theirs alone (it is never replaced; only the TLS key is).
    if (key == terminal.tls_public_key || key == terminal.public_key)
        return refused(400, "a renewal needs a new key pair; this request carries a key the terminal already has",
                       "証明書の更新には新しい鍵ペアが必要です。この要求の鍵は既に使われているものです");
    mamori::v1::RenewResponse out;
    TerminalStore::CertificateOffer offer;
    offer.pending_certificate_pem = ca_.issueClient(*csr, terminal.id, validity_);
    offer.pending_public_key = key;
    offer.evidence_certificate_pem =
        ca_.issueClient(mamori::proto::Ed25519Key::fromPublicRaw(terminal.public_key), terminal.id, validity_);
    try {
        store_.offerCertificate(terminal.id, terminal.tls_public_key, offer);
    } catch (const common::UserError& e) {
        return refused(409, e.english(), e.japanese());
    }
    out.set_certificate_pem(offer.pending_certificate_pem);
    out.set_not_after_unix(mamori::proto::Certificate::fromPem(offer.pending_certificate_pem).notAfterUnix());
    return Result{200, out.SerializeAsString(), {}};
}

}  // namespace mamori::collector
