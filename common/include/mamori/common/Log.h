#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace mamori {

// One line per message on stderr, where systemd's journal (or a test) collects it.
// Quiet by design: the agent runs on thousands of desks.
//
// Messages carry what clients sent (hostnames, paths, tokens' groups) before anyone has checked
// them, so every message passes through sanitize() here, in the one place all log calls share:
// a newline in a hostname must not forge a second log line, and an escape sequence must not
// reach an administrator's terminal.
class Log {
public:
    enum class Level { Debug, Info, Warn, Error };
    static constexpr size_t kMaxMessageBytes = 4096;

    static void setLevel(Level l);
    static void setPrefix(std::string_view program);
    static void debug(std::string_view msg) { write(Level::Debug, msg); }
    static void info(std::string_view msg) { write(Level::Info, msg); }
    static void warn(std::string_view msg) { write(Level::Warn, msg); }
    static void error(std::string_view msg) { write(Level::Error, msg); }
    static void write(Level l, std::string_view msg);

    // The message as one printable line of valid UTF-8: control characters (C0, DEL, C1) become
    // \n, \t, \r or \xNN, bytes that are not UTF-8 become \xNN, and past max_bytes the rest is cut
    // and counted. Japanese and other printable text passes unchanged.
    static std::string sanitize(std::string_view msg, size_t max_bytes = kMaxMessageBytes);
};

}  // namespace mamori
