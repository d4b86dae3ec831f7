#include "collector/AlertMailer.h"

#include <algorithm>

#include "collector/MailMessage.h"
#include "collector/ReportingExpectation.h"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/v1/event.pb.h"

namespace mamori::collector {

using common::UserError;

namespace {

// A digest is a summary: past this many lines per kind the rest is counted, not listed.
constexpr size_t kLinesPerKind = 50;
// What one address may hold while the relay is away; older findings are dropped (and counted).
constexpr size_t kPendingPerAddress = 10000;

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

int64_t nowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<std::string> AlertMailer::parseAddresses(const std::string& text, const std::string& key) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at <= text.size()) {
        const size_t comma = std::min(text.find(',', at), text.size());
        const std::string a = trim(text.substr(at, comma - at));
        if (!MailMessage::plainAddress(a))
            throw UserError::invalid(key + ": '" + a + "' is not a mail address (name@domain, separated by commas)",
                                     key + ": 「" + a + "」はメールアドレスではありません（name@domain をカンマ区切りで指定）");
        out.push_back(a);
        at = comma + 1;
    }
    return out;
}

std::map<std::string, std::vector<std::string>> AlertMailer::parseSections(const std::string& text) {
    std::map<std::string, std::vector<std::string>> out;
    size_t at = 0;
    while (at < text.size()) {
        const size_t semi = std::min(text.find(';', at), text.size());
        const std::string entry = trim(text.substr(at, semi - at));
        at = semi + 1;
        if (entry.empty()) continue;
        const size_t eq = entry.find('=');
        const std::string group = eq == std::string::npos ? "" : trim(entry.substr(0, eq));
        if (group.empty())
            throw UserError::invalid("alert_mail_sections: '" + entry + "' is not SECTION=ADDRESS[, ADDRESS]",
                                     "alert_mail_sections: 「" + entry + "」は 所属=アドレス の形ではありません");
        if (out.count(group))
            throw UserError::invalid("alert_mail_sections names " + group + " twice",
                                     "alert_mail_sections に " + group + " が 2 回あります");
        out[group] = parseAddresses(entry.substr(eq + 1), "alert_mail_sections (" + group + ")");
    }
    return out;
}

AlertMailer::AlertMailer(Store& store, const LocalCalendar& calendar, Settings settings)
    : store_(store), calendar_(calendar), settings_(std::move(settings)), smtp_(settings_.smtp) {
    thread_ = std::thread([this] { run(); });
}

AlertMailer::~AlertMailer() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void AlertMailer::route(const Alert& a) {
    auto put = [&](const std::string& address) {
        auto& list = pending_[address];
        if (list.size() >= kPendingPerAddress) list.erase(list.begin());
        list.push_back(a);
    };
    std::set<std::string> to(settings_.ciso.begin(), settings_.ciso.end());
    if (auto it = settings_.sections.find(a.group); it != settings_.sections.end()) to.insert(it->second.begin(), it->second.end());
    for (const auto& address : to) put(address);
}

void AlertMailer::record(const TerminalRecord& terminal, const IngestBatch& batch) {
    std::lock_guard lock(mutex_);
    for (const auto& e : batch.events)
        if (e.violation)
            route({Alert::Violation, terminal.id, terminal.group,
                   mamori::v1::EventType_Name(e.type) + " (" + mamori::v1::Outcome_Name(e.outcome) + ", seq " +
                       std::to_string(e.seq) + ")",
                   e.local_date, batch.now_unix});
    for (const auto& i : batch.issues)
        route({Alert::Tampering, terminal.id, terminal.group, i.kind + ": " + i.detail, i.local_date, batch.now_unix});
}

void AlertMailer::checkSilence(int64_t now) {
    ReportingExpectation expectation(store_, settings_.heartbeat_deadline_s);
    std::set<std::string> silent;
    std::vector<Alert> fresh;
    for (const auto& t : store_.terminals()) {
        if (expectation.presence(t, now) != ReportingExpectation::Presence::NotReporting) continue;
        silent.insert(t.id);
        if (!silent_.count(t.id))
            fresh.push_back({Alert::Silent, t.id, t.group,
                             "最終通信 last heard " + (t.last_seen_unix ? calendar_.iso8601Unix(t.last_seen_unix) : "-"),
                             calendar_.dateOfUnix(now), now});
    }
    std::lock_guard lock(mutex_);
    // The first check only learns who is silent already: a restart is not news.
    if (checked_once_)
        for (const auto& a : fresh) route(a);
    checked_once_ = true;
    silent_ = std::move(silent);
}

std::string AlertMailer::subject(const std::vector<Alert>& alerts, int64_t now) const {
    size_t n[3] = {0, 0, 0};
    for (const auto& a : alerts) ++n[a.kind];
    std::string s = "【mamori】";
    if (n[Alert::Violation]) s += "違反 " + std::to_string(n[Alert::Violation]) + "件 ";
    if (n[Alert::Tampering]) s += "改ざんの疑い " + std::to_string(n[Alert::Tampering]) + "件 ";
    if (n[Alert::Silent]) s += "通信途絶 " + std::to_string(n[Alert::Silent]) + "台 ";
    return s + "(" + calendar_.iso8601Unix(now).substr(0, 16) + ")";
}

std::string AlertMailer::body(const std::vector<Alert>& alerts, int64_t now) const {
    const char* headings[3] = {"■ 違反 / Violations", "■ 改ざんの疑い / Tampering suspected",
                               "■ 通信途絶 / Not reporting"};
    std::string b = "mamori からの通知です（" + calendar_.iso8601Unix(now).substr(0, 16) + " " + calendar_.zoneName() +
                    "）。\nFindings since the last notice.\n";
    for (int kind = 0; kind < 3; ++kind) {
        std::vector<const Alert*> of;
        for (const auto& a : alerts)
            if (a.kind == kind) of.push_back(&a);
        if (of.empty()) continue;
        b += "\n" + std::string(headings[kind]) + " (" + std::to_string(of.size()) + ")\n";
        for (size_t i = 0; i < of.size() && i < kLinesPerKind; ++i)
            b += "  " + of[i]->date + "  " + of[i]->group + "  " + of[i]->terminal + "  " + of[i]->what + "\n";
        if (of.size() > kLinesPerKind) b += "  … ほか " + std::to_string(of.size() - kLinesPerKind) + " 件 / and more\n";
    }
    return b + "\n確認 / details: mamorictl violations --today, mamorictl terminals\n";
}

void AlertMailer::flush(int64_t now) {
    std::map<std::string, std::vector<Alert>> sending;
    {
        std::lock_guard lock(mutex_);
        sending.swap(pending_);
    }
    for (auto& [address, alerts] : sending) {
        if (alerts.empty()) continue;
        try {
            smtp_.send({address}, MailMessage::compose(settings_.smtp.from, {address}, subject(alerts, now),
                                                       body(alerts, now), now));
            Log::info("alert mail: " + std::to_string(alerts.size()) + " finding(s) sent to " + address);
        } catch (const std::exception& e) {
            Log::warn(std::string("alert mail to ") + address + " not sent, kept for the next one: " + e.what());
            std::lock_guard lock(mutex_);
            auto& back = pending_[address];
            back.insert(back.begin(), alerts.begin(), alerts.end());
            if (back.size() > kPendingPerAddress) back.erase(back.begin(), back.end() - kPendingPerAddress);
        }
    }
}

void AlertMailer::run() {
    for (;;) {
        try {
            checkSilence(nowUnix());
            flush(nowUnix());
        } catch (const std::exception& e) {
            Log::warn(std::string("alert mail: ") + e.what());
        }
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, settings_.interval, [&] { return stop_; })) break;
    }
}

}  // namespace mamori::collector
