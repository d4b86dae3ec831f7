#include "ProcStatLine.h"

#include <charconv>

namespace mamori::platform {

std::optional<ProcStatLine> ProcStatLine::parse(std::string_view line) {
    const auto close = line.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    const char* at = line.data() + close + 1;
    const char* const end = line.data() + line.size();
    const auto separator = [&] {
        if (at == end || *at != ' ') return false;
        while (at < end && *at == ' ') ++at;
        return at < end;
    };
    const auto number = [&](uint32_t& value) {
        if (!separator()) return false;
        const auto [next, error] = std::from_chars(at, end, value);
        at = next;
        return error == std::errc() && (at == end || *at == ' ' || *at == '\n');
    };
    if (!separator()) return std::nullopt;
    ++at;  // the state, one letter
    ProcStatLine out;
    uint32_t group = 0;
    if (!number(out.ppid) || !number(group) || !number(out.session)) return std::nullopt;
    return out;
}

}  // namespace mamori::platform
