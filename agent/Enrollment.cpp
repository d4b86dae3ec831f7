#include "agent/Enrollment.h"

#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/v1/api.pb.h"

namespace mamori::agent {

using mamori::common::HttpsClient;
namespace http = boost::beast::http;

AgentIdentity Enrollment::run(const std::filesystem::path& state_dir, const std::string& collector_url,
                              const std::string& token_text, const std::string& hostname) {
    auto token = mamori::proto::EnrollmentToken::parse(token_text);
    if (!token) throw std::runtime_error("the enrollment token is malformed (expected mamori1.<secret>.<fingerprint>)");
    const std::chrono::seconds timeout(15);

    // 1. Learn the collector's CA over an unauthenticated channel, then authenticate it by the pin.
    auto bootstrap = HttpsClient::context("");
    auto ca_reply = HttpsClient::fetch(*bootstrap, collector_url, http::verb::get, "/v1/ca", "", "", {}, timeout);
    if (ca_reply.status != 200) throw std::runtime_error("the collector did not provide its CA certificate");
    auto ca = mamori::proto::Certificate::fromPem(ca_reply.body);
    if (ca.fingerprint() != token->ca_fingerprint)
        throw std::runtime_error("the collector at " + collector_url +
                                 " is not the one this token was issued by (CA fingerprint mismatch); nothing was sent");

    // 2. From here on every byte goes over TLS verified against that CA.
    auto key = AgentIdentity::ensureKey(state_dir);
    mamori::v1::EnrollRequest req;
    req.set_token(token_text);
    req.set_hostname(hostname);
    req.set_csr_pem(mamori::proto::CertificateRequest::create(key, hostname));
    auto tls = HttpsClient::context(ca.pem());
    auto reply = HttpsClient::fetch(*tls, collector_url, http::verb::post, "/v1/enroll", req.SerializeAsString(),
                                    "application/x-protobuf", {}, timeout);
    if (reply.status != 200)
        throw std::runtime_error("the collector refused enrollment (HTTP " + std::to_string(reply.status) + "): " +
                                 reply.body);
    mamori::v1::EnrollResponse res;
    if (!res.ParseFromString(reply.body)) throw std::runtime_error("malformed enrollment response");
    auto cert = mamori::proto::Certificate::fromPem(res.certificate_pem());
    if (cert.publicKeyRaw() != key.publicRaw() || cert.commonName() != res.terminal_id())
        throw std::runtime_error("the issued certificate does not match this terminal's key");

    AgentIdentity id;
    id.terminal_id = res.terminal_id();
    id.group = res.group();
    id.collectors = {collector_url};
    id.certificate_pem = res.certificate_pem();
    id.ca_pem = ca.pem();
    id.policy_public_key = res.policy_public_key();
    id.save(state_dir);
    return id;
}

}  // namespace mamori::agent
