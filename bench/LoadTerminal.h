#pragma once
// One terminal of the ingest benchmark, made of the agent's own protocol pieces: a key generated
// here, a real CSR, the client certificate the collector issues at /v1/enroll, and a hash chain
// of signed events. The journal is filled before the clock starts (an agent signs each event
// when it happens, not when it uploads); uploading is what is measured.
#include <openssl/ssl.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "EventMix.h"
#include "RawSqliteBaseline.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/proto/EventChain.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/v1/api.pb.h"

namespace mamori::bench {

class LoadTerminal {
public:
    using Row = RawSqliteBaseline::Row;
    // A sync the collector turned away as busy, and when it asked to be asked again.
    struct Busy : std::runtime_error {
        Busy(const std::string& what, std::chrono::seconds after) : std::runtime_error(what), retry_after(after) {}
        std::chrono::seconds retry_after;
    };

    LoadTerminal(std::string url, std::string ca_pem)
        : url_(std::move(url)), ca_pem_(std::move(ca_pem)), key_(proto::Ed25519Key::generate()) {}

    // POST /v1/enroll with the token and a CSR; the private key never leaves this object.
    void enroll(const std::string& token, const std::string& hostname) {
        mamori::v1::EnrollRequest req;
        req.set_token(token);
        req.set_hostname(hostname);
        req.set_csr_pem(proto::CertificateRequest::create(key_, hostname));
        auto tls = common::HttpsClient::context(ca_pem_);
        auto post = [&] {
            return common::HttpsClient::fetch(*tls, url_, boost::beast::http::verb::post, "/v1/enroll",
                                              req.SerializeAsString(), "application/x-protobuf", {},
                                              std::chrono::seconds(30));
        };
        auto res = post();
        // Turned away as busy (a collector sheds enrollments with its agents' load): again a
        // little later, as an agent would, only sooner, so that the benchmark's set-up goes on.
        for (int busy = 0; res.status == 503 && busy < 100; ++busy) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            res = post();
        }
        mamori::v1::EnrollResponse out;
        if (res.status != 200 || !out.ParseFromString(res.body))
            throw std::runtime_error("enrollment of " + hostname + " failed: HTTP " + std::to_string(res.status) + " " +
                                     res.body);
        id_ = out.terminal_id();
        tls_ = common::HttpsClient::context(ca_pem_, out.certificate_pem(), key_.privatePem());
    }

    // Signs `batches` batches of `batch_size` chained events, timestamps spread back from now.
    void prepare(int batches, int batch_size, EventMix& mix) {
        proto::EventChain chain(key_, {});
        const int64_t now_ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const int64_t total = static_cast<int64_t>(batches) * batch_size;
        for (int b = 0; b < batches; ++b) {
            mamori::v1::EventBatch batch;
            batch.set_terminal_id(id_);
            std::vector<Row> rows;
            rows.reserve(batch_size);
            for (int i = 0; i < batch_size; ++i) {
                // One event every 100 ms, the newest now: all within today for a normal run.
                int64_t age = total - (static_cast<int64_t>(b) * batch_size + i);
                auto* ev = batch.add_events();
                *ev = chain.append(mix.next(id_, now_ns - age * 100'000'000LL));
                rows.push_back(Row{chain.head().seq, ev->SerializeAsString()});
            }
            bodies_.push_back(batch.SerializeAsString());
            rows_.push_back(std::move(rows));
        }
    }

    // Sends every prepared batch in order on one kept-alive mutual-TLS connection, each after
    // the previous one was acknowledged, as the agent's uploader does.
    boost::asio::awaitable<void> upload(boost::asio::any_io_executor ex) {
        common::HttpsClient client(ex, *tls_, url_, std::chrono::seconds(120));
        for (auto& body : bodies_) {
            const size_t expected = rows_[acked_batches_].size();
            auto res = co_await client.request(boost::beast::http::verb::post, "/v1/events", std::move(body),
                                               "application/x-protobuf");
            mamori::v1::EventAck ack;
            if (res.status != 200 || !ack.ParseFromString(res.body))
                throw std::runtime_error(id_ + ": HTTP " + std::to_string(res.status) + " " + res.body);
            if (ack.stored() != expected || !ack.warning().empty())
                throw std::runtime_error(id_ + ": stored " + std::to_string(ack.stored()) + " of " +
                                         std::to_string(expected) + " " + ack.warning());
            stored_ += ack.stored();
            ++acked_batches_;
        }
        bodies_.clear();
    }

    // One sync as an agent makes it between uploads, on a connection of its own (a terminal
    // syncs once a minute: the collector has closed the previous connection by then). Reports the
    // policy version it applied, and takes a newer policy the collector delivers as applied (an
    // agent checks its signature first; the collector's cost is the same), so that a fleet after
    // a push receives the policy once, as it would. Returns the milliseconds from connecting to
    // the response.
    boost::asio::awaitable<double> sync(boost::asio::any_io_executor ex) {
        v1::SyncRequest req;
        req.set_terminal_id(id_);
        req.set_applied_policy_version(applied_policy_version_);
        req.set_agent_utc_ns(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
        req.mutable_clock()->set_synchronized(true);
        const auto t0 = std::chrono::steady_clock::now();
        common::HttpsClient client(ex, *tls_, url_, std::chrono::seconds(30));
        auto res = co_await client.request(boost::beast::http::verb::post, "/v1/sync", req.SerializeAsString(),
                                           "application/x-protobuf");
        if (res.status == 503) throw Busy(id_ + ": sync HTTP 503", std::chrono::seconds(res.retry_after_s));
        if (res.status != 200) throw std::runtime_error(id_ + ": sync HTTP " + std::to_string(res.status));
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        v1::SyncResponse out;
        if (!out.ParseFromString(res.body)) throw std::runtime_error(id_ + ": unreadable sync response");
        if (out.has_policy()) {
            v1::PolicyEnvelope envelope;
            if (!envelope.ParseFromString(out.policy().envelope()))
                throw std::runtime_error(id_ + ": unreadable policy envelope");
            applied_policy_version_ = envelope.policy().version();
        }
        co_return ms;
    }

    // Every connection a full handshake: the baseline that TLS session resumption is measured against.
    void disableResumption() { SSL_CTX_set_session_cache_mode(tls_->native_handle(), SSL_SESS_CACHE_OFF); }

    const std::string& id() const { return id_; }
    const std::vector<std::vector<Row>>& rows() const { return rows_; }
    uint64_t stored() const { return stored_; }
    size_t bytesToSend() const {
        size_t n = 0;
        for (const auto& b : bodies_) n += b.size();
        return n;
    }

private:
    std::string url_, ca_pem_;
    proto::Ed25519Key key_;
    uint64_t applied_policy_version_ = 0;
    std::string id_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::vector<std::string> bodies_;       // serialized EventBatch, in upload order
    std::vector<std::vector<Row>> rows_;    // the same events, per batch
    size_t acked_batches_ = 0;
    uint64_t stored_ = 0;
};

}  // namespace mamori::bench
