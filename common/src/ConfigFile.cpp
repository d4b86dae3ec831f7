#include "mamori/common/ConfigFile.h"

#include <charconv>
#include <limits>
#include <fstream>
#include <sstream>

#include "mamori/common/Files.h"

namespace mamori::common {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}
}  // namespace

ConfigFile ConfigFile::parse(std::string_view text, const std::string& file_name, const std::set<std::string>& known) {
    ConfigFile cfg;
    cfg.file_name_ = file_name;
    // Notepad on Windows saves UTF-8 with a byte order mark; it is not part of the first key.
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    int line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        auto eq = line.find('=');
        auto where = file_name + ":" + std::to_string(line_no) + ": ";
        if (eq == std::string_view::npos)
            throw Error(where + "expected 'key = value', found '" + std::string(line) + "'");
        std::string key(trim(line.substr(0, eq)));
        std::string value(trim(line.substr(eq + 1)));
        if (key.empty()) throw Error(where + "missing key before '='");
        if (!known.contains(key)) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            throw Error(where + "unknown key '" + key + "' (known keys: " + list + ")");
        }
        if (cfg.values_.contains(key))
            throw Error(where + "'" + key + "' is already set on line " + std::to_string(cfg.values_[key].second));
        cfg.values_[key] = {value, line_no};
    }
    return cfg;
}

ConfigFile ConfigFile::load(const std::filesystem::path& file, const std::set<std::string>& known) {
    std::ifstream in(file);
    if (!in) throw Error(file.string() + ": cannot read the configuration file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), file.string(), known);
}

std::optional<std::string> ConfigFile::get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second.first;
}

std::string ConfigFile::get(const std::string& key, const std::string& fallback) const {
    return get(key).value_or(fallback);
}

long long ConfigFile::getInt(const std::string& key, long long fallback, long long min, long long max) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& v = it->second.first;
    long long out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || out < min || out > max)
        throw Error(file_name_ + ":" + std::to_string(it->second.second) + ": '" + key + "' must be a whole number from " +
                    std::to_string(min) + " to " + std::to_string(max) + ", found '" + v + "'");
    return out;
}

std::chrono::seconds ConfigFile::getDuration(const std::string& key, std::chrono::seconds fallback,
                                             std::chrono::seconds min, std::chrono::seconds max) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& v = it->second.first;
    auto show = [](std::chrono::seconds d) {
        const long long s = d.count();
        return s % 86400 == 0 ? std::to_string(s / 86400) + "d" : std::to_string(s) + "s";
    };
    long long n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    long long unit = 0;
    if (ec == std::errc() && end + 1 == v.data() + v.size()) {
        switch (*end) {
            case 's': unit = 1; break;
            case 'm': unit = 60; break;
            case 'h': unit = 3600; break;
            case 'd': unit = 86400; break;
            default: break;
        }
    }
    const long long limit = std::numeric_limits<long long>::max() / 86400;
    if (unit == 0 || n < 0 || n > limit || n * unit < min.count() || n * unit > max.count())
        throw Error(file_name_ + ":" + std::to_string(it->second.second) + ": '" + key +
                    "' must be a duration from " + show(min) + " to " + show(max) +
                    " written as a whole number and a unit (s, m, h or d: 45s, 30m, 12h, 825d), found '" + v + "'");
    return std::chrono::seconds(n * unit);
}

std::string ConfigFile::getChoice(const std::string& key, const std::string& fallback,
                                  std::span<const std::string_view> choices) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& v = it->second.first;
    std::string list;
    for (const auto choice : choices) {
        if (choice == v) return v;
        list += (list.empty() ? "" : ", ") + std::string(choice);
    }
    throw Error(file_name_ + ":" + std::to_string(it->second.second) + ": '" + key + "' must be one of " + list +
                ", found '" + v + "' / '" + key + "' には " + list + " のいずれかを指定してください（'" + v +
                "' は使えません）");
}

void ConfigFile::write(const std::filesystem::path& file, const std::map<std::string, std::string>& values,
                       const std::string& header, unsigned mode) {
    std::string text = header;
    for (const auto& [k, v] : values) text += k + " = " + v + "\n";
    Files::writeAtomic(file, text, mode);
}

}  // namespace mamori::common
