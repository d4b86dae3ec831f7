#pragma once
// What the kernel accounts to one process at one instant: resident memory from
// /proc/PID/status and smaps, CPU time from /proc/PID/stat (in clock ticks) and, to the
// nanosecond, from the scheduler statistics of each of its threads.
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace mamori::bench {

class ProcessSample {
public:
    // Reads everything now; ok() is false once the process is gone.
    explicit ProcessSample(pid_t pid) {
        const std::string proc = "/proc/" + std::to_string(pid);
        std::ifstream status(proc + "/status");
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
        // PSS divides each shared page among the processes mapping it: what this process adds
        // to the machine, where RSS counts every shared library page in full.
        std::ifstream rollup(proc + "/smaps_rollup");
        for (std::string line; std::getline(rollup, line);) {
            std::istringstream in(line);
            std::string key;
            long value = 0;
            in >> key >> value;
            if (key == "Pss:") pss_kb = value;
        }
        // The malloc heap ([heap], grown by brk): where the program's own data lives.
        std::ifstream smaps(proc + "/smaps");
        bool in_heap = false;
        for (std::string line; std::getline(smaps, line);) {
            if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 17)
                in_heap = line.find("[heap]") != std::string::npos;
            else if (in_heap && line.rfind("Rss:", 0) == 0)
                heap_kb += std::stol(line.substr(4));
        }
        cpuTicks(proc + "/stat", utime_ticks, stime_ticks);
        // A 10 ms tick is too coarse for an idle daemon: schedstat's first field is the time
        // each thread spent on a CPU, in nanoseconds (live threads only).
        std::error_code ec;
        for (const auto& task : std::filesystem::directory_iterator(proc + "/task", ec)) {
            std::ifstream sched(task.path() / "schedstat");
            long long ns = 0;
            if (!(sched >> ns)) continue;
            cpu_ns += ns;
            thread_cpu_ns[std::stoi(task.path().filename().string())] = ns;
        }
    }

    bool ok() const { return ok_; }
    long long cpuTicks() const { return utime_ticks + stime_ticks; }
    static double ticksPerSecond() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

    long rss_kb = 0, hwm_kb = 0, anon_kb = 0, file_kb = 0, shmem_kb = 0, pss_kb = 0, heap_kb = 0, threads = 0;
    long long utime_ticks = 0, stime_ticks = 0;
    long long cpu_ns = 0;
    std::map<int, long long> thread_cpu_ns;  // by thread id; the main thread's id is the pid

private:
    static void cpuTicks(const std::string& stat_file, long long& utime, long long& stime) {
        std::ifstream stat(stat_file);
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        auto close = text.rfind(')');
        if (close == std::string::npos) return;
        std::istringstream fields(text.substr(close + 2));
        std::string field;
        // After the name: state is field 3, utime field 14, stime field 15 (proc(5)).
        for (int n = 3; n <= 15 && fields >> field; ++n) {
            if (n == 14) utime = std::stoll(field);
            if (n == 15) stime = std::stoll(field);
        }
    }

    bool ok_ = false;
};

}  // namespace mamori::bench
