#pragma once
#include <string_view>

namespace mamori {

// One line per message on stderr, where systemd's journal (or a test) collects it.
// Quiet by design: the agent runs on thousands of desks.
class Log {
public:
    enum class Level { Debug, Info, Warn, Error };
    static void setLevel(Level l);
    static void setPrefix(std::string_view program);
    static void debug(std::string_view msg) { write(Level::Debug, msg); }
    static void info(std::string_view msg) { write(Level::Info, msg); }
    static void warn(std::string_view msg) { write(Level::Warn, msg); }
    static void error(std::string_view msg) { write(Level::Error, msg); }
    static void write(Level l, std::string_view msg);
};

}  // namespace mamori
