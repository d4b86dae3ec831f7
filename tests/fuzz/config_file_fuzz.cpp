// agent.conf and collector.conf are edited by hand on terminals and servers (vi, Notepad over a
// share, a deployment tool): any bytes must give a configuration or a ConfigFile::Error naming
// file:line, never a crash or another exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "collector/CollectorHome.h"
#include "mamori/common/ConfigFile.h"

namespace {

// Every key either program knows, so that valid lines are accepted and values get read.
const std::set<std::string>& knownKeys() {
    static const std::set<std::string> keys = [] {
        std::set<std::string> k = mamori::collector::CollectorHome::knownKeys();
        k.insert({"collector", "state_dir", "journal_max_bytes", "log_level", "url", "ca", "token_file"});
        return k;
    }();
    return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using mamori::common::ConfigFile;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const ConfigFile cfg = ConfigFile::parse(text, "fuzz.conf", knownKeys());
        for (const auto& key : knownKeys()) {
            const auto value = cfg.get(key);
            if (value && value->find('\n') != std::string::npos) std::abort();  // one line, one value
            try {
                (void)cfg.getInt(key, 0, -1000, 1000);
            } catch (const ConfigFile::Error& e) {
                if (std::string_view(e.what()).find("fuzz.conf:") != 0) std::abort();  // names file:line
            }
        }
    } catch (const ConfigFile::Error& e) {
        if (std::string_view(e.what()).find("fuzz.conf:") != 0) std::abort();
    }
    return 0;
}
