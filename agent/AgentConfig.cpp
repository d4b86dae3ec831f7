#include "agent/AgentConfig.h"

#include <array>
#include <sstream>

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Log.h"

namespace mamori::agent {

AgentConfig AgentConfig::load(const std::filesystem::path& file) {
    AgentConfig c;
    c.file = file;
    if (!std::filesystem::exists(file)) return c;
    auto cfg = mamori::common::ConfigFile::load(file, {"collector", "state_dir", "journal_max_bytes", "log_level",
                                                   "utmp_file", "btmp_file", "displays", "lock_command", "warn_command",
                                                   "notify_command",
                                                   "dpkg_status", "dpkg_info_dir", "software_control",
                                                   "usb_sysfs_root", "usb_dev_root", "policy_file"});
    std::stringstream urls(cfg.get("collector", ""));
    for (std::string url; std::getline(urls, url, ',');) {
        while (!url.empty() && url.front() == ' ') url.erase(0, 1);
        while (!url.empty() && url.back() == ' ') url.pop_back();
        if (!url.empty()) c.collectors.push_back(url);
    }
    c.state_dir = cfg.get("state_dir", c.state_dir.string());
    c.journal_max_bytes = static_cast<uint64_t>(
        cfg.getInt("journal_max_bytes", static_cast<long long>(c.journal_max_bytes), 4096, 1ll << 40));
    c.log_level = cfg.getChoice("log_level", c.log_level, Log::kLevelNames);
    c.utmp_file = cfg.get("utmp_file", c.utmp_file.string());
    c.btmp_file = cfg.get("btmp_file", c.btmp_file.string());
    std::stringstream displays(cfg.get("displays", ""));
    for (std::string d; std::getline(displays, d, ',');) {
        d.erase(0, d.find_first_not_of(' '));
        d.erase(d.find_last_not_of(' ') + 1);
        if (!d.empty()) c.displays.push_back(d);
    }
    c.lock_command = cfg.get("lock_command", c.lock_command);
    c.warn_command = cfg.get("warn_command", c.warn_command);
    c.notify_command = cfg.get("notify_command", c.notify_command);
    c.dpkg_status = cfg.get("dpkg_status", c.dpkg_status.string());
    c.dpkg_info_dir = cfg.get("dpkg_info_dir", c.dpkg_info_dir.string());
    static constexpr std::array<std::string_view, 2> kOnOff{"on", "off"};
    c.software_control = cfg.getChoice("software_control", "on", kOnOff) == "on";
    c.usb_sysfs_root = cfg.get("usb_sysfs_root", c.usb_sysfs_root.string());
    c.usb_dev_root = cfg.get("usb_dev_root", c.usb_dev_root.string());
    c.policy_file = cfg.get("policy_file", "");
    return c;
}

}  // namespace mamori::agent
