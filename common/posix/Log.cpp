#include "mamori/common/Log.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "mamori/common/RepeatLimiter.h"

namespace mamori {

namespace {
std::atomic<Log::Level> g_level = Log::Level::Info;
std::string g_prefix = "mamori";
std::mutex g_mutex;  // guards g_prefix, g_repeats and the output
common::RepeatLimiter g_repeats{Log::kRepeatInterval};

enum class Sink { Journal, PrefixedLines, PlainLines };

// syslog(3) priorities, as the journal and sd-daemon(3) prefixes spell them.
int priority(Log::Level l) {
    switch (l) {
        case Log::Level::Debug: return 7;
        case Log::Level::Info: return 6;
        case Log::Level::Warn: return 4;
        case Log::Level::Error: return 3;
    }
    return 6;
}

// systemd.exec(5): JOURNAL_STREAM holds the device and inode of the stream the service manager
// connected stderr to. It counts only while stderr still is that stream: a daemon started from a
// unit's shell with 2>file inherits the variable but not the stream.
bool stderrIsTheJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream) return false;
    uintmax_t dev = 0, ino = 0;
    if (std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<uintmax_t>(st.st_dev) == dev && static_cast<uintmax_t>(st.st_ino) == ino;
}

// Decided once: where stderr leads does not change while the process runs.
Sink sinkOfThisProcess() {
    if (stderrIsTheJournal()) return Sink::Journal;
    // A person at a terminal reads the line; the priority prefix is for whatever collects a
    // stream (a file, a pipe, a service manager without journal).
    return ::isatty(STDERR_FILENO) ? Sink::PlainLines : Sink::PrefixedLines;
}

// The native protocol: the message, its priority and what it is about as fields of their own.
// False when the journal's socket did not take it.
bool toJournal(Log::Level l, const std::string& msg, const Log::Fields& f) {
    std::vector<std::string> items;
    items.reserve(6);
    items.push_back("MESSAGE=" + msg);
    items.push_back("PRIORITY=" + std::to_string(priority(l)));
    items.push_back("SYSLOG_IDENTIFIER=" + g_prefix);
    // Taken from clients like the message, so sanitized like it.
    if (!f.terminal.empty()) items.push_back("MAMORI_TERMINAL=" + Log::sanitize(f.terminal, 256));
    if (!f.event.empty()) items.push_back("MAMORI_EVENT=" + Log::sanitize(f.event, 256));
    if (f.seq) items.push_back("MAMORI_SEQ=" + std::to_string(f.seq));
    std::vector<iovec> iov;
    iov.reserve(items.size());
    for (auto& item : items) iov.push_back({item.data(), item.size()});
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

void toStderr(Log::Level l, const std::string& msg, bool prefixed) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &t);
    const std::string_view name = Log::kLevelNames[static_cast<int>(l)];
    std::fprintf(stderr, "%s%s.%03ldZ %s %.*s: %.*s\n", prefixed ? ("<" + std::to_string(priority(l)) + ">").c_str() : "",
                 when, ts.tv_nsec / 1'000'000, g_prefix.c_str(), static_cast<int>(name.size()), name.data(),
                 static_cast<int>(msg.size()), msg.data());
}
}  // namespace

void Log::setLevel(Level l) { g_level = l; }
void Log::setPrefix(std::string_view program) {
    std::lock_guard lock(g_mutex);
    g_prefix = program;
}

void Log::write(Level l, std::string_view raw, const Fields& fields) {
    if (l < g_level.load()) return;
    static const Sink sink = sinkOfThisProcess();
    std::string msg = sanitize(raw);
    std::lock_guard lock(g_mutex);
    const auto verdict = g_repeats.admit(static_cast<int>(l), msg, common::RepeatLimiter::Clock::now());
    if (!verdict.write) return;
    if (verdict.held_back) msg += " (repeated " + std::to_string(verdict.held_back) + " times)";
    if (sink == Sink::Journal && toJournal(l, msg, fields)) return;
    toStderr(l, msg, sink != Sink::PlainLines);
}

}  // namespace mamori
