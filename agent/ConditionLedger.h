#pragma once
#include <filesystem>
#include <map>
#include <string>

namespace mamori::agent {

// The standing conditions a control has reported as open (key -> what was reported), kept on
// disk so that a restart neither reports one again nor misses its end. The collector shows an
// open condition every day until the event that closes it, so each is reported once when it
// opens (or changes) and once when it closes. Used for unapproved packages (name -> version),
// weak desktop lock settings (desktop -> setting) and controls switched off locally.
//
// One "key value" per line. Keys and values are stored with %, space (keys only) and line
// breaks as %XX, so any text fits; package names and versions contain none of these, so the
// ledger of unapproved packages written by earlier agents reads as it always did.
class ConditionLedger {
public:
    explicit ConditionLedger(std::filesystem::path file);

    // Keys and values are never empty.
    const std::map<std::string, std::string>& open() const { return open_; }
    // Replaces the set; written atomically, and only when it changed. A failure to write is
    // logged: the set in memory stays, and the next start may report again rather than never.
    void replace(std::map<std::string, std::string> open);
    void set(const std::string& key, const std::string& value);
    void erase(const std::string& key);

private:
    std::filesystem::path file_;
    std::map<std::string, std::string> open_;
};

}  // namespace mamori::agent
