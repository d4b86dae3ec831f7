#include "collector/SyslogForwarder.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "mamori/common/Log.h"
#include "mamori/common/TcpStream.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/Sha256.h"
#include "mamori/v1/event.pb.h"

namespace mamori::collector {

namespace {

// RFC 5424 facility 13 (log audit): the city's evidence trail, not the system's chatter.
constexpr int kFacility = 13;
// An enterprise number for the SD-ID; 32473 is the one RFC 5612 sets aside for examples and
// documentation, kept until the project has its own.
constexpr const char* kSdId = "mamori@32473";

std::string isoUtc(int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

// PRINTVAL of a header field: visible ASCII only, "-" for nothing.
std::string headerField(const std::string& text, size_t max) {
    std::string out;
    for (unsigned char c : text)
        if (c > 32 && c < 127 && out.size() < max) out += static_cast<char>(c);
    return out.empty() ? "-" : out;
}

std::string message(const std::string& hostname, int64_t now_unix, int severity, const std::string& msgid,
                    const std::vector<std::pair<std::string, std::string>>& params, const std::string& text) {
    std::string m = "<" + std::to_string(kFacility * 8 + severity) + ">1 " + isoUtc(now_unix) + " " +
                    headerField(hostname, 255) + " mamori-collector - " + msgid + " [" + kSdId;
    for (const auto& [name, value] : params) m += " " + name + "=\"" + SyslogForwarder::paramValue(value) + "\"";
    // The BOM says the free text is UTF-8 (RFC 5424 6.4): group names are Japanese.
    return m + "] \xEF\xBB\xBF" + text;
}

}  // namespace

std::string SyslogForwarder::paramValue(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) continue;
        if (c == '"' || c == '\\' || c == ']') out += '\\';
        out += static_cast<char>(c);
    }
    return out;
}

std::vector<std::string> SyslogForwarder::messages(const std::string& hostname, const std::string& terminal,
                                                   const std::string& group, const IngestBatch& batch) {
    std::vector<std::string> out;
    for (const auto& e : batch.events) {
        if (!e.violation) continue;
        const std::string type = mamori::v1::EventType_Name(e.type), control = mamori::v1::Control_Name(e.control),
                          outcome = mamori::v1::Outcome_Name(e.outcome);
        out.push_back(message(hostname, batch.now_unix, 4, "VIOLATION",
                              {{"terminal", terminal},
                               {"group", group},
                               {"seq", std::to_string(e.seq)},
                               {"type", type},
                               {"control", control},
                               {"outcome", outcome},
                               {"rule", e.rule_id},
                               {"date", e.local_date},
                               {"terminal_time", isoUtc(e.utc_ns / 1'000'000'000)},
                               {"hash", mamori::proto::Sha256::hex(e.hash)}},
                              type + " on " + terminal + " (" + group + "): " + outcome));
    }
    for (const auto& i : batch.issues)
        out.push_back(message(hostname, batch.now_unix, 2, "TAMPERING",
                              {{"terminal", terminal},
                               {"group", group},
                               {"kind", i.kind},
                               {"first_seq", std::to_string(i.first_seq)},
                               {"last_seq", std::to_string(i.last_seq)},
                               {"date", i.local_date}},
                              "evidence " + i.kind + " on " + terminal + " (" + group + "): " + i.detail));
    return out;
}

SyslogForwarder::SyslogForwarder(const std::string& url, std::string hostname, std::string ca_file,
                                 size_t max_queued)
    : hostname_(std::move(hostname)), ca_file_(std::move(ca_file)), max_queued_(max_queued) {
    tls_ = url.rfind("tls://", 0) == 0;
    const std::string scheme = tls_ ? "tls://" : "tcp://";
    const size_t colon = url.rfind(':');
    if (url.rfind(scheme, 0) != 0 || colon == std::string::npos || colon < scheme.size() + 1)
        throw common::UserError::invalid("syslog_url must be tcp://HOST:PORT or tls://HOST:PORT, not '" + url + "'",
                                         "syslog_url は tcp://ホスト:ポート か tls://ホスト:ポート で指定してください（'" +
                                             url + "'）");
    if (!ca_file_.empty() && !tls_)
        throw common::UserError::invalid("syslog_ca is for a tls:// syslog_url; '" + url + "' is plain TCP",
                                         "syslog_ca は tls:// の syslog_url にのみ使います（'" + url + "' は平文の TCP）");
    if (!ca_file_.empty() && !std::ifstream(ca_file_))
        throw common::UserError::invalid("syslog_ca: cannot read " + ca_file_,
                                         "syslog_ca: " + ca_file_ + " を読めません");
    host_ = url.substr(scheme.size(), colon - scheme.size());
    port_ = url.substr(colon + 1);
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
    char* end = nullptr;
    const long port = std::strtol(port_.c_str(), &end, 10);
    if (port_.empty() || *end || port < 1 || port > 65535)
        throw common::UserError::invalid("syslog_url's port must be 1-65535, not '" + port_ + "'",
                                         "syslog_url のポートは 1〜65535 です（'" + port_ + "'）");
    thread_ = std::thread([this] { run(); });
}

SyslogForwarder::~SyslogForwarder() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void SyslogForwarder::forward(const std::string& terminal, const std::string& group, const IngestBatch& batch) {
    auto list = messages(hostname_, terminal, group, batch);
    if (list.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (auto& m : list) {
            if (queue_.size() >= max_queued_) {
                queue_.pop_front();  // the oldest: the newest say most about now
                ++dropped_;
            }
            queue_.push_back(std::move(m));
        }
    }
    wake_.notify_one();
}

bool SyslogForwarder::sendFront(common::TcpStream& stream) {
    std::string frame;
    {
        std::lock_guard lock(mutex_);
        frame = std::to_string(queue_.front().size()) + " " + queue_.front();
    }
    if (!stream.write(frame)) return false;
    std::lock_guard lock(mutex_);
    queue_.pop_front();
    return true;
}

bool SyslogForwarder::connect(common::TcpStream& stream, std::string& why) {
    if (!stream.connect(host_, port_, std::chrono::seconds(5))) {
        why = "no answer";
        return false;
    }
    return !tls_ || stream.startTls(ca_file_, host_, why);
}

void SyslogForwarder::run() {
    common::TcpStream stream;
    auto delay = std::chrono::seconds(1);
    bool reported = false;  // one warning per outage, not one per attempt
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (stop_) break;
            if (dropped_) {
                Log::warn("syslog: the queue was full; " + std::to_string(dropped_) + " oldest message(s) dropped");
                dropped_ = 0;
            }
        }
        if (!stream.open()) {
            std::string why;
            if (!connect(stream, why)) {
                if (!reported) {
                    std::lock_guard lock(mutex_);
                    Log::warn("syslog: cannot reach " + host_ + ":" + port_ + " (" + why + "); " +
                              std::to_string(queue_.size()) + " message(s) wait and are sent when it answers");
                    reported = true;
                }
                std::unique_lock lock(mutex_);
                wake_.wait_for(lock, delay, [&] { return stop_; });
                delay = std::min(delay * 2, std::chrono::seconds(30));
                continue;
            }
            if (reported) Log::info("syslog: " + host_ + ":" + port_ + " reached again");
            reported = false;
            delay = std::chrono::seconds(1);
        }
        sendFront(stream);
    }
}

}  // namespace mamori::collector
