#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collector/LocalCalendar.h"
#include "collector/SmtpSender.h"
#include "collector/Store.h"

namespace mamori::collector {

// New violations, tampering suspected and terminals gone silent, by mail: one digest per
// interval to each address, in Japanese first. The CISO's addresses get everything; a section's
// addresses (its 管理者, or the section's shared mailbox) get their section's. A digest the relay
// refused is kept and sent with the next one. Findings come from the ingest as they are stored
// (each once, by the collector that stored it); silence is judged each interval by the same rule
// as `mamorictl terminals`, a terminal mailed once each time it goes silent.
class AlertMailer {
public:
    struct Settings {
        SmtpSender::Settings smtp;
        std::vector<std::string> ciso;                                // every finding
        std::map<std::string, std::vector<std::string>> sections;     // group -> addresses
        std::chrono::seconds interval{15 * 60};
        int64_t heartbeat_deadline_s = 120 * 60;  // for terminals whose profile sets none
    };

    // Starts the thread that mails each interval.
    AlertMailer(Store& store, const LocalCalendar& calendar, Settings settings);
    ~AlertMailer();
    AlertMailer(const AlertMailer&) = delete;
    AlertMailer& operator=(const AlertMailer&) = delete;

    // From the ingest, for each stored batch; never blocks on the network.
    void record(const TerminalRecord& terminal, const IngestBatch& batch);

    // "税務課=a@city.lg.jp, b@city.lg.jp; 住民課=c@city.lg.jp" (alert_mail_sections); throws
    // common::UserError naming what is wrong.
    static std::map<std::string, std::vector<std::string>> parseSections(const std::string& text);
    // "a@city.lg.jp, b@city.lg.jp"; throws common::UserError.
    static std::vector<std::string> parseAddresses(const std::string& text, const std::string& key);

private:
    struct Alert {
        enum Kind { Violation, Tampering, Silent } kind;
        std::string terminal, group, what, date;
        int64_t at_unix = 0;
    };
    void route(const Alert& a);
    void checkSilence(int64_t now);
    void flush(int64_t now);
    std::string subject(const std::vector<Alert>& alerts, int64_t now) const;
    std::string body(const std::vector<Alert>& alerts, int64_t now) const;
    void run();

    Store& store_;
    const LocalCalendar& calendar_;
    Settings settings_;
    SmtpSender smtp_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::map<std::string, std::vector<Alert>> pending_;  // address -> what it has not been sent
    std::set<std::string> silent_;                       // terminals known silent at the last check
    bool checked_once_ = false;
    std::thread thread_;
};

}  // namespace mamori::collector
