#include "mamori/platform/DpkgStatus.h"

#include <algorithm>
#include <cctype>

namespace mamori::platform {

namespace {

bool equalsNoCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// The third word of "Status: want flag status". Every state but these two leaves files on
// disk, and files on disk are what can run.
bool filesPresent(std::string_view status) {
    auto last = status.find_last_of(' ');
    std::string_view state = last == std::string_view::npos ? status : status.substr(last + 1);
    if (state == "not-installed" || state == "config-files") return false;
    return state == "installed" || state == "half-installed" || state == "unpacked" ||
           state == "half-configured" || state == "triggers-awaited" || state == "triggers-pending";
}

struct Stanza {
    std::string_view package, status, version, architecture;
    bool broken = false;
    bool empty = true;
};

}  // namespace

DpkgStatus::Parsed DpkgStatus::parse(std::string_view text) {
    Parsed out;
    Stanza st;
    auto finish = [&] {
        if (st.empty) return;
        const bool status_known = !st.status.empty() && std::count(st.status.begin(), st.status.end(), ' ') == 2;
        if (st.broken || st.package.empty() || !status_known) {
            ++out.malformed;
        } else if (filesPresent(st.status)) {
            if (st.version.empty()) ++out.malformed;
            else out.installed.push_back({std::string(st.package), std::string(st.version), std::string(st.architecture)});
        }
        st = Stanza{};
    };
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (trim(line).empty()) {
            finish();
            continue;
        }
        st.empty = false;
        if (line.front() == ' ' || line.front() == '\t') continue;  // continuation of a long field
        if (line.front() == '#') continue;
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            st.broken = true;
            continue;
        }
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (equalsNoCase(name, "Package")) {
            // A second Package field means the blank line between two stanzas was lost.
            if (!st.package.empty()) st.broken = true;
            st.package = value;
            if (value.empty() || value.find_first_of(" \t") != std::string_view::npos) st.broken = true;
        } else if (equalsNoCase(name, "Status")) {
            st.status = value;
        } else if (equalsNoCase(name, "Version")) {
            st.version = value;
        } else if (equalsNoCase(name, "Architecture")) {
            st.architecture = value;
        }
    }
    finish();
    return out;
}

}  // namespace mamori::platform
