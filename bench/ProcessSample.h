#pragma once
// What the kernel accounts to one process at one instant: resident memory from
// /proc/PID/status, CPU time from /proc/PID/stat (in clock ticks) and, to the nanosecond, from
// the scheduler statistics of each of its threads.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mamori::bench {

class ProcessSample {
public:
    // Reads both files now; ok() is false once the process is gone.
    explicit ProcessSample(pid_t pid) {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        for (std::string line; std::getline(status, line);) {
            std::istringstream in(line);
            std::string key;
            long value = 0;
            in >> key >> value;
            if (key == "VmRSS:") rss_kb = value, ok_ = true;
            else if (key == "VmHWM:") hwm_kb = value;
            else if (key == "RssAnon:") anon_kb = value;
            else if (key == "RssFile:") file_kb = value;
            else if (key == "RssShmem:") shmem_kb = value;
            else if (key == "Threads:") threads = value;
        }
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        auto close = text.rfind(')');
        if (close == std::string::npos) return;
        std::istringstream fields(text.substr(close + 2));
        std::string field;
        // After the name: state is field 3, utime field 14, stime field 15 (proc(5)).
        for (int n = 3; n <= 15 && fields >> field; ++n) {
            if (n == 14) utime_ticks = std::stoll(field);
            if (n == 15) stime_ticks = std::stoll(field);
        }
        // A 10 ms tick is too coarse for an idle daemon: schedstat's first field is the time
        // each thread spent on a CPU, in nanoseconds (live threads only).
        std::error_code ec;
        for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
            std::ifstream sched(task.path() / "schedstat");
            long long ns = 0;
            if (sched >> ns) cpu_ns += ns;
        }
    }

    bool ok() const { return ok_; }
    long long cpuTicks() const { return utime_ticks + stime_ticks; }
    static double ticksPerSecond() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

    long rss_kb = 0, hwm_kb = 0, anon_kb = 0, file_kb = 0, shmem_kb = 0, threads = 0;
    long long utime_ticks = 0, stime_ticks = 0;
    long long cpu_ns = 0;

private:
    bool ok_ = false;
};

}  // namespace mamori::bench
