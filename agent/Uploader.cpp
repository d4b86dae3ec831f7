#include "agent/Uploader.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <date/date.h>
#include <stdexcept>

#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

namespace {
constexpr const char* kProtobuf = "application/x-protobuf";
int64_t nowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::string utcText(int64_t unix_seconds) {
    return date::format("%FT%TZ", date::sys_seconds{std::chrono::seconds(unix_seconds)});
}

// A collector past its capacity answers 503 and when to come back.
struct CollectorBusy : std::runtime_error {
    CollectorBusy(const std::string& what, std::chrono::seconds after) : std::runtime_error(what), retry_after(after) {}
    std::chrono::seconds retry_after;
};

// What a refused request throws: a busy collector is waited for as it asks, anything else is a
// failure backed off and failed over.
[[noreturn]] void refusal(const char* what, const mamori::common::HttpsClient::Response& res) {
    if (res.status == 503)
        throw CollectorBusy(std::string("collector busy, ") + what + " retried after " +
                                std::to_string(res.retry_after_s) + " s or more",
                            std::chrono::seconds(res.retry_after_s));
    throw std::runtime_error(std::string(what) + " refused (HTTP " + std::to_string(res.status) + "): " + res.body);
}
}  // namespace

Uploader::Uploader(asio::any_io_executor ex, Journal& journal, const AgentIdentity& identity,
                   std::vector<std::string> collectors, const mamori::platform::Clock& clock, AgentStatus& status,
                   std::filesystem::path state_dir, OnSync on_sync, AppliedVersion applied)
    : ex_(ex), journal_(journal), identity_(identity), state_dir_(std::move(state_dir)), renewal_(state_dir_),
      collectors_(std::move(collectors)), clock_(clock), status_(status), on_sync_(std::move(on_sync)),
      applied_(std::move(applied)), wake_(ex) {
    if (collectors_.empty()) collectors_ = identity.collectors;
    loadTlsIdentity();
}

void Uploader::loadTlsIdentity() {
    // Read and parsed once per certificate, not at every sync: X.509 and PEM decoding is a large
    // part of OpenSSL's code, which the idle agent would otherwise fault in each minute.
    const auto certificate = renewal_.certificatePem();
    tls_ = mamori::common::HttpsClient::context(identity_.ca_pem, certificate, renewal_.keyPem());
    certificate_ = mamori::proto::Certificate::fromPem(certificate);
}

Uploader::~Uploader() = default;

void Uploader::start() { asio::co_spawn(ex_, run(), asio::detached); }

void Uploader::stop() {
    stopped_ = true;
    wake_.cancel();
}

void Uploader::notify() {
    // Coalesce a burst of events into one batch: wake after `pace`, unless already due sooner.
    dirty_ = true;
    if (backoff_.failures() > 0) return;  // backing off: new events wait for the retry
    auto due = std::chrono::steady_clock::now() + pace_;
    if (wake_.expiry() > due) wake_.expires_at(due);
}

void Uploader::saveStatus() {
    status_.noteJournal(journal_.stats());
    status_.collector = collectors_.empty() ? "" : collectors_[current_];
    status_.saveOrWarn(state_dir_);
}

asio::awaitable<void> Uploader::sync() {
    mamori::v1::SyncRequest req;
    req.set_terminal_id(identity_.terminal_id);
    req.set_applied_policy_version(applied_());
    auto stats = journal_.stats();
    req.set_journal_depth(stats.depth);
    req.set_last_seq(stats.head_seq);
    req.set_agent_utc_ns(clock_.utcNs());
    req.set_agent_version(MAMORI_VERSION);
    auto clock = clock_.syncState();
    req.mutable_clock()->set_synchronized(clock.synchronized);
    req.mutable_clock()->set_estimated_error_us(clock.estimated_error_us);
    auto res = co_await client_->request(http::verb::post, "/v1/sync", req.SerializeAsString(), kProtobuf);
    if (res.status != 200) refusal("sync", res);
    mamori::v1::SyncResponse out;
    if (!out.ParseFromString(res.body)) throw std::runtime_error("malformed sync response");
    if (out.batch_max_events()) batch_max_ = std::clamp<uint32_t>(out.batch_max_events(), 1, 10000);
    pace_ = std::chrono::milliseconds(std::clamp<uint32_t>(out.pace_ms(), 50, 60000));
    if (out.sync_interval_s()) sync_interval_ = std::chrono::seconds(std::clamp<uint32_t>(out.sync_interval_s(), 5, 86400));
    // What the collector already holds need not be sent again (e.g. after a crash before the ack).
    if (out.acked_seq()) journal_.acknowledge(out.acked_seq());
    status_.last_sync_unix = nowUnix();
    collector_unix_ = out.collector_utc_ns() / 1'000'000'000;
    next_sync_ = std::chrono::steady_clock::now() + sync_interval_;
    uint64_t before = applied_();
    on_sync_(out);
    // Report a newly applied policy at once, so `policy status` does not lag a whole interval.
    if (applied_() != before) next_sync_ = std::chrono::steady_clock::now();
}

asio::awaitable<bool> Uploader::sendBatch() {
    const uint64_t acked_before = journal_.stats().acked_seq;
    auto events = journal_.pending(batch_max_);
    if (events.empty()) co_return false;
    mamori::v1::EventBatch batch;
    batch.set_terminal_id(identity_.terminal_id);
    for (auto& e : events) *batch.add_events() = std::move(e);
    auto res = co_await client_->request(http::verb::post, "/v1/events", batch.SerializeAsString(), kProtobuf);
    if (res.status != 200) refusal("events", res);
    mamori::v1::EventAck ack;
    if (!ack.ParseFromString(res.body)) throw std::runtime_error("malformed acknowledgement");
    if (!ack.warning().empty()) Log::warn("collector: " + ack.warning());
    for (const auto& r : ack.refused()) setAside(r, acked_before, events.size());
    journal_.acknowledge(ack.acked_seq());
    const uint64_t acked = journal_.stats().acked_seq;
    // An acknowledgement that does not move (a refused batch) or that claims seqs this journal
    // never wrote (the journal ignores it) must not be answered by sending the same batch again
    // at once: that loop would spin a core on both ends. It is an upload failure, retried after
    // the back-off, with the reason in the status and one log line per retry.
    if (acked <= acked_before)
        throw std::runtime_error("the collector took none of the " + std::to_string(events.size()) +
                                 " events after seq " + std::to_string(acked_before) + " (it acknowledged seq " +
                                 std::to_string(ack.acked_seq()) + ")");
    status_.last_upload_unix = nowUnix();
    co_return true;
}

void Uploader::setAside(const mamori::v1::RefusedRange& r, uint64_t acked_before, size_t sent) {
    // Only seqs of the batch just sent: the range comes from the collector, the copy from here.
    const uint64_t first = std::max(r.first_seq(), acked_before + 1);
    const uint64_t last = std::min(r.last_seq(), acked_before + sent);
    const std::string& reason = r.reason();  // the log escapes what the collector wrote
    if (first > last) {
        Log::warn("the collector refused seq " + std::to_string(r.first_seq()) + "-" + std::to_string(r.last_seq()) +
                  ", which this batch did not hold: " + reason);
        return;
    }
    // The journal's own copies, kept for whoever investigates: the collector recorded them as
    // tampering and acknowledges them, so they are never sent again.
    mamori::v1::EventBatch copy;
    copy.set_terminal_id(identity_.terminal_id);
    for (auto& e : journal_.pending(last - first + 1, first - 1)) *copy.add_events() = std::move(e);
    const auto dir = state_dir_ / "refused-events";
    const auto file = dir / ("seq-" + std::to_string(first) + "-" + std::to_string(last) + ".pb");
    std::filesystem::create_directories(dir);
    mamori::common::Files::writeAtomic(file, copy.SerializeAsString(), 0600);
    Log::error("the collector refused seq " + std::to_string(first) + "-" + std::to_string(last) +
               " as failing authentication (" + reason + "); this journal's copy is kept in " + file.string() +
               ": the journal may have been altered / コレクターが seq " + std::to_string(first) + "-" +
               std::to_string(last) + " を認証できない（改ざんの疑い）として受け付けませんでした。この端末の記録は " +
               file.string() + " に保存しました");
}

asio::awaitable<void> Uploader::renewCertificate() {
    // A network failure goes up like any other (back-off, the next collector); a refusal or a
    // wrong answer is only logged: the current certificate still works, and the next sync retries.
    auto res = co_await client_->request(http::verb::post, "/v1/renew", renewal_.request(identity_.terminal_id),
                                         kProtobuf);
    if (res.status != 200) {
        Log::warn("certificate renewal refused (HTTP " + std::to_string(res.status) + "), retried at the next sync: " +
                  res.body);
        if (res.status == 400) renewal_.abandon();
        co_return;
    }
    try {
        const auto cert = renewal_.install(res.body, identity_.terminal_id, identity_.ca_pem);
        // The connection is the old certificate's: the next request opens one with the new.
        client_.reset();
        loadTlsIdentity();
        client_ = std::make_unique<mamori::common::HttpsClient>(ex_, *tls_, collectors_[current_], 30s);
        Log::info("renewed this terminal's certificate with a new key: valid until " + utcText(cert.notAfterUnix()) +
                  ", renewed again from " + utcText(CertificateRenewal::dueUnix(cert)));
    } catch (const std::exception& e) {
        Log::warn(std::string("the renewed certificate was not installed, retried at the next sync: ") + e.what());
    }
}

asio::awaitable<void> Uploader::cycle() {
    if (!client_)
        client_ = std::make_unique<mamori::common::HttpsClient>(ex_, *tls_, collectors_[current_], 30s);
    // A second sync only when the first applied a new policy (see sync()).
    bool synced = false;
    for (int i = 0; i < 2 && std::chrono::steady_clock::now() >= next_sync_; ++i) {
        co_await sync();
        synced = true;
    }
    // Judged by the collector's clock, just read: it decides whether a certificate is valid.
    if (synced && collector_unix_ > 0 && CertificateRenewal::due(*certificate_, collector_unix_))
        co_await renewCertificate();
    // Written out: GCC 12 miscompiles co_await inside a short-circuit condition.
    while (!stopped_) {
        bool sent = co_await sendBatch();
        if (!sent) break;
    }
}

asio::awaitable<void> Uploader::run() {
    if (collectors_.empty()) {
        Log::warn("no collector configured: events stay in the journal");
        co_return;
    }
    while (!stopped_) {
        std::chrono::steady_clock::time_point wake_at;
        dirty_ = false;
        try {
            co_await cycle();
            backoff_.reset();
            status_.last_error.clear();
            wake_at = dirty_ ? std::chrono::steady_clock::now() + pace_ : next_sync_;
            if (drained_ && journal_.stats().depth == 0) std::exchange(drained_, nullptr)();
            // Nothing more to send until the next sync: give the connection back rather than hold
            // one of the collector's for a minute per terminal. The next one resumes this TLS
            // session, which costs little.
            if (!dirty_) {
                client_->close();
                if (idle_) idle_();
            }
        } catch (const CollectorBusy& busy) {
            // Shedding load, not failing: nothing is lost (the journal keeps every event), the
            // sync is only later. Said once per wait, at info: a busy collector is not an error
            // of this terminal.
            status_.last_error = collectors_[current_] + ": " + busy.what();
            Log::info("upload deferred: " + status_.last_error);
            client_.reset();
            current_ = (current_ + 1) % collectors_.size();
            next_sync_ = {};
            wake_at = std::chrono::steady_clock::now() + backoff_.busy(busy.retry_after);
        } catch (const std::exception& e) {
            status_.last_error = collectors_[current_] + ": " + e.what();
            Log::warn("upload failed: " + status_.last_error);
            client_.reset();
            current_ = (current_ + 1) % collectors_.size();
            next_sync_ = {};  // a new collector gets a sync first
            wake_at = std::chrono::steady_clock::now() + backoff_.next();
        }
        saveStatus();
        if (stopped_) break;
        // notify() may pull this forward; a cancelled wait is just an early wake-up.
        wake_.expires_at(wake_at);
        boost::system::error_code ec;
        co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void Uploader::onDrained(std::function<void()> done) {
    // Unreachable collector: do not hold the shutdown for it; the journal keeps everything.
    if (collectors_.empty() || !status_.last_error.empty()) return done();
    drained_ = std::move(done);
    notify();
}

}  // namespace mamori::agent
