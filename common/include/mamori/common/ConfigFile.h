#pragma once
#include <chrono>
#include <filesystem>
#include <span>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mamori::common {

// `key = value` configuration files (agent.conf, collector.conf). Comments start with '#'.
// Every problem names file:line, so a typo in a deployed config is found in seconds.
class ConfigFile {
public:
    struct Error : std::runtime_error {
        using std::runtime_error::runtime_error;
    };

    // Throws Error for malformed lines, duplicate keys and keys not in `known`.
    static ConfigFile parse(std::string_view text, const std::string& file_name, const std::set<std::string>& known);
    static ConfigFile load(const std::filesystem::path& file, const std::set<std::string>& known);

    std::optional<std::string> get(const std::string& key) const;
    std::string get(const std::string& key, const std::string& fallback) const;
    long long getInt(const std::string& key, long long fallback, long long min, long long max) const;
    // A whole number with its unit: 45s, 30m, 12h, 825d. Throws Error (file:line) for anything
    // else, or a duration outside [min, max].
    std::chrono::seconds getDuration(const std::string& key, std::chrono::seconds fallback, std::chrono::seconds min,
                                     std::chrono::seconds max) const;

    // One of `choices` (log_level = debug|info|warning|error). Throws Error (file:line, in English
    // and Japanese) naming the choices for anything else.
    std::string getChoice(const std::string& key, const std::string& fallback,
                          std::span<const std::string_view> choices) const;

    // Writes key = value lines atomically with the given mode.
    static void write(const std::filesystem::path& file, const std::map<std::string, std::string>& values,
                      const std::string& header, unsigned mode = 0644);

private:
    std::string file_name_;
    std::map<std::string, std::pair<std::string, int>> values_;  // value, line
};

}  // namespace mamori::common
