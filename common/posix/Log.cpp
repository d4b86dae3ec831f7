#include "mamori/common/Log.h"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace mamori {

namespace {
Log::Level g_level = Log::Level::Info;
std::string g_prefix = "mamori";
std::mutex g_mutex;
}  // namespace

void Log::setLevel(Level l) { g_level = l; }
void Log::setPrefix(std::string_view program) { g_prefix = program; }

void Log::write(Level l, std::string_view raw) {
    if (l < g_level) return;
    const std::string msg = sanitize(raw);
    static constexpr const char* names[] = {"debug", "info", "warning", "error"};
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &t);
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s.%03ldZ %s %s: %.*s\n", when, ts.tv_nsec / 1'000'000, g_prefix.c_str(),
                 names[static_cast<int>(l)], static_cast<int>(msg.size()), msg.data());
}

}  // namespace mamori
