#include "agent/InventoryLedger.h"

#include <fstream>

#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

InventoryLedger::InventoryLedger(std::filesystem::path file) : file_(std::move(file)) {
    std::ifstream in(file_);
    // "name version" per line; anything else is a damaged file, and re-reporting beats silence.
    for (std::string line; std::getline(in, line);) {
        auto sp = line.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == line.size()) continue;
        reported_[line.substr(0, sp)] = line.substr(sp + 1);
    }
}

void InventoryLedger::replace(std::map<std::string, std::string> reported) {
    if (reported == reported_) return;
    reported_ = std::move(reported);
    std::string text;
    for (const auto& [name, version] : reported_) text += name + " " + version + "\n";
    try {
        std::filesystem::create_directories(file_.parent_path());
        mamori::common::Files::writeAtomic(file_, text, 0600);
    } catch (const std::exception& e) {
        Log::warn("cannot save the software inventory state " + file_.string() + ": " + e.what());
    }
}

}  // namespace mamori::agent
