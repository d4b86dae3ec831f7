#include "agent/ConditionLedger.h"

#include <fstream>

#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string escape(const std::string& s, bool key) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '%' || c == '\n' || c == '\r' || (key && c == ' ')) {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hexDigit(s[i + 1]) >= 0 && hexDigit(s[i + 2]) >= 0) {
            out += static_cast<char>(hexDigit(s[i + 1]) * 16 + hexDigit(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

ConditionLedger::ConditionLedger(std::filesystem::path file) : file_(std::move(file)) {
    std::ifstream in(file_);
    // "key value" per line; anything else is a damaged file, and reporting again beats silence.
    for (std::string line; std::getline(in, line);) {
        auto sp = line.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == line.size()) continue;
        open_[unescape(line.substr(0, sp))] = unescape(line.substr(sp + 1));
    }
}

void ConditionLedger::replace(std::map<std::string, std::string> open) {
    if (open == open_) return;
    open_ = std::move(open);
    std::string text;
    for (const auto& [key, value] : open_) text += escape(key, true) + " " + escape(value, false) + "\n";
    try {
        std::filesystem::create_directories(file_.parent_path());
        mamori::common::Files::writeAtomic(file_, text, 0600);
    } catch (const std::exception& e) {
        Log::warn("cannot save the reported conditions " + file_.string() + ": " + e.what() + " / 報告済みの状態 " +
                  file_.string() + " を保存できません: " + e.what());
    }
}

void ConditionLedger::set(const std::string& key, const std::string& value) {
    auto next = open_;
    next[key] = value;
    replace(std::move(next));
}

void ConditionLedger::erase(const std::string& key) {
    if (!open_.count(key)) return;
    auto next = open_;
    next.erase(key);
    replace(std::move(next));
}

}  // namespace mamori::agent
