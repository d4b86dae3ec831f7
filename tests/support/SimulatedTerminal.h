#pragma once
// A terminal made of the real protocol pieces (key, CSR, client certificate, hash chain), for
// driving the agent endpoint with exactly the batches a test needs, honest or not.
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/proto/EnrollmentToken.h"
#include "mamori/proto/EventChain.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/v1/api.pb.h"

namespace mamori::test {

class SimulatedTerminal {
public:
    using Response = mamori::common::HttpsClient::Response;

    SimulatedTerminal(std::string url, std::string ca_pem)
        : url_(std::move(url)), ca_pem_(std::move(ca_pem)), key_(mamori::proto::Ed25519Key::generate()),
          chain_(key_, {}) {}

    Response enroll(const std::string& token, const std::string& hostname) {
        mamori::v1::EnrollRequest req;
        req.set_token(token);
        req.set_hostname(hostname);
        req.set_csr_pem(mamori::proto::CertificateRequest::create(key_, hostname));
        auto tls = mamori::common::HttpsClient::context(ca_pem_);
        auto res = post(*tls, "/v1/enroll", req.SerializeAsString());
        mamori::v1::EnrollResponse out;
        if (res.status == 200 && out.ParseFromString(res.body)) {
            id_ = out.terminal_id();
            cert_pem_ = out.certificate_pem();
            tls_.reset();
        }
        return res;
    }

    mamori::v1::EventBatch batch(int n, mamori::v1::EventType type = mamori::v1::HEARTBEAT) {
        mamori::v1::EventBatch b;
        b.set_terminal_id(id_);
        for (int i = 0; i < n; ++i) {
            mamori::v1::EventBody body;
            body.set_terminal_id(id_);
            body.set_type(type);
            body.set_control(mamori::v1::AGENT);
            body.set_utc_ns(clockNs());
            *b.add_events() = chain_.append(body);
        }
        return b;
    }

    // A violation this terminal's agent stopped, as it would report it; the caller may add the
    // details of its kind before chaining it (chain().append) into a batch (batchOf).
    mamori::v1::EventBody violation(mamori::v1::EventType type, mamori::v1::Control control,
                                    std::string rule_id = "") const {
        mamori::v1::EventBody body;
        body.set_terminal_id(id_);
        body.set_type(type);
        body.set_control(control);
        body.set_violation(true);
        body.set_outcome(mamori::v1::ENFORCED);
        body.set_rule_id(std::move(rule_id));
        body.set_utc_ns(clockNs());
        return body;
    }

    // A batch of these bodies, chained in order.
    mamori::v1::EventBatch batchOf(const std::vector<mamori::v1::EventBody>& bodies) {
        mamori::v1::EventBatch b;
        b.set_terminal_id(id_);
        for (const auto& body : bodies) *b.add_events() = chain_.append(body);
        return b;
    }

    // A sync as the agent sends it, stamped with this terminal's clock.
    Response sync(uint64_t applied_policy_version = 0) {
        mamori::v1::SyncRequest req;
        req.set_terminal_id(id_);
        req.set_applied_policy_version(applied_policy_version);
        req.set_last_seq(chain_.head().seq);
        req.set_agent_utc_ns(clockNs());
        return postAuthenticated("/v1/sync", req.SerializeAsString());
    }

    // What this terminal's clock says, relative to the real one (a day behind: -24h).
    void setClockOffset(std::chrono::nanoseconds offset) { clock_offset_ = offset; }
    // A fixed time, whatever the real clock says (a clock reset to 2001, a corrupted RTC).
    void setClockFixed(int64_t utc_ns) { fixed_ns_ = utc_ns; }
    int64_t clockNs() const {
        if (fixed_ns_) return *fixed_ns_;
        return (std::chrono::system_clock::now().time_since_epoch() + clock_offset_) / std::chrono::nanoseconds(1);
    }

    Response send(const mamori::v1::EventBatch& b) { return postAuthenticated("/v1/events", b.SerializeAsString()); }

    // Over one TLS context per identity, as an agent keeps: each request is a new connection
    // that resumes the session of the one before.
    Response postAuthenticated(const std::string& target, const std::string& body) {
        if (!tls_) tls_ = mamori::common::HttpsClient::context(ca_pem_, cert_pem_, key_.privatePem());
        return post(*tls_, target, body);
    }

    Response post(boost::asio::ssl::context& tls, const std::string& target, const std::string& body) {
        return mamori::common::HttpsClient::fetch(tls, url_, boost::beast::http::verb::post, target, body,
                                                 "application/x-protobuf", {}, std::chrono::seconds(10));
    }

    const std::string& id() const { return id_; }
    const std::string& certificatePem() const { return cert_pem_; }
    const mamori::proto::Ed25519Key& key() const { return key_; }
    void setIdentity(std::string cert_pem, mamori::proto::Ed25519Key key) {
        cert_pem_ = std::move(cert_pem);
        key_ = std::move(key);
        tls_.reset();
    }
    mamori::proto::EventChain& chain() { return chain_; }

private:
    std::string url_, ca_pem_;
    mamori::proto::Ed25519Key key_;
    mamori::proto::EventChain chain_;
    std::string id_, cert_pem_;
    std::chrono::nanoseconds clock_offset_{0};
    std::optional<int64_t> fixed_ns_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // built at the first authenticated request
};

}  // namespace mamori::test
