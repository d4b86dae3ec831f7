#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori {

// One record per message. Under systemd (stderr is the journal's stream, as JOURNAL_STREAM
// says) it goes to the journal natively, with its priority and the fields below; otherwise it is
// one line on stderr, "<4>2026-…Z mamori-collector warning: …", whose sd-daemon prefix tells
// any collector of the stream the priority (left out on a terminal, where a person reads it).
// Quiet by design: the agent runs on thousands of desks, so the same message (same level and
// text) is written at most once per repeat interval; its next appearance says how many times it
// was held back.
//
// Messages carry what clients sent (hostnames, paths, tokens' groups) before anyone has checked
// them, so every message passes through sanitize() here, in the one place all log calls share:
// a newline in a hostname must not forge a second log line, and an escape sequence must not
// reach an administrator's terminal.
// What a message is about, where known: journal fields MAMORI_TERMINAL, MAMORI_EVENT and
// MAMORI_SEQ, so that `journalctl MAMORI_TERMINAL=T` finds every line about one terminal. Empty
// (or 0) fields are left out. (Outside Log: a default argument of Log's cannot be a class
// still being defined.)
struct LogFields {
    std::string_view terminal{};
    std::string_view event{};
    uint64_t seq = 0;
};

class Log {
public:
    enum class Level { Debug, Info, Warn, Error };
    static constexpr size_t kMaxMessageBytes = 4096;
    static constexpr std::chrono::seconds kRepeatInterval{60};
    // As log_level and --log-level spell them, in the order of Level.
    static constexpr std::array<std::string_view, 4> kLevelNames{"debug", "info", "warning", "error"};

    using Fields = LogFields;

    static void setLevel(Level l);
    static void setPrefix(std::string_view program);
    static void debug(std::string_view msg, const Fields& fields = {}) { write(Level::Debug, msg, fields); }
    static void info(std::string_view msg, const Fields& fields = {}) { write(Level::Info, msg, fields); }
    static void warn(std::string_view msg, const Fields& fields = {}) { write(Level::Warn, msg, fields); }
    static void error(std::string_view msg, const Fields& fields = {}) { write(Level::Error, msg, fields); }
    static void write(Level l, std::string_view msg, const Fields& fields = {});

    // "debug", "info", "warning", "error"; nullopt for anything else.
    static std::optional<Level> levelNamed(std::string_view name);

    // The message as one printable line of valid UTF-8: control characters (C0, DEL, C1) become
    // \n, \t, \r or \xNN, bytes that are not UTF-8 become \xNN, and past max_bytes the rest is cut
    // and counted. Japanese and other printable text passes unchanged.
    static std::string sanitize(std::string_view msg, size_t max_bytes = kMaxMessageBytes);
};

}  // namespace mamori
