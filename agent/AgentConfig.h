#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mamori/v1/policy.pb.h"

namespace mamori::agent {

// /etc/mamori/agent.conf. Everything has a default so a terminal runs before it is configured;
// tests point state_dir at a temp directory and run unprivileged.
struct AgentConfig {
    std::filesystem::path file;  // what it was read from, named in reports; empty: built-in defaults
    std::vector<std::string> collectors;  // https://host:port, tried in order, failing over
    std::filesystem::path state_dir = "/var/lib/mamori";
    uint64_t journal_max_bytes = 64ull * 1024 * 1024;  // unless the policy sets its own (journalCap)
    std::string log_level = "info";
    // Sessions and screens (hours and screen lock controls); tests point these at temp files
    // and their own X servers.
    std::filesystem::path utmp_file = "/var/run/utmp";
    std::filesystem::path btmp_file = "/var/log/btmp";
    std::vector<std::string> displays;  // X displays to watch (":0"); empty: every local one
    std::string lock_command;           // when the policy names none; empty: xdg-screensaver lock
    // Run besides the desktop or terminal notice of the operating-hours warning, with the text as
    // its argument; none by default (wall(1) would tell every session on the terminal).
    std::string warn_command;
    // Also shows it on each graphical session's desktop, with notify-send's arguments, run as
    // the session's user; empty: no desktop notification.
    std::string notify_command = "notify-send";
    // Software control: the package database (tests point these at a made-up one), and an off
    // switch for hosts where another product holds fanotify permission events (fapolicyd):
    // off, the agent neither inventories nor watches programs.
    std::filesystem::path dpkg_status = "/var/lib/dpkg/status";
    std::filesystem::path dpkg_info_dir = "/var/lib/dpkg/info";
    bool software_control = true;

    // USB control: where sysfs and the device nodes are (tests point them at a made-up tree).
    std::filesystem::path usb_sysfs_root = "/sys";
    std::filesystem::path usb_dev_root = "/dev";
    // Standalone (offline) terminals: a YAML profile used instead of the built-in default while
    // the agent is not enrolled. Ignored once enrolled: then only signed policy applies.
    std::filesystem::path policy_file;

    // The journal's cap under a policy: its reporting.journal_max_bytes where it sets one,
    // else journal_max_bytes here (also the cap before any policy is applied).
    uint64_t journalCap(const mamori::v1::ReportingPolicy& reporting) const {
        return reporting.journal_max_bytes() ? reporting.journal_max_bytes() : journal_max_bytes;
    }

    // A missing file gives the defaults; a malformed one throws with file:line.
    static AgentConfig load(const std::filesystem::path& file);
};

}  // namespace mamori::agent
