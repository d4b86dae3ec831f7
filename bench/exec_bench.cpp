// exec_bench: what the software control costs an exec-heavy workload.
//
// Two workloads, each measured in one run with: no agent; mamori monitor; mamori enforce (warm
// cache); fapolicyd (when installed) with an equivalent trust set. Every ratio is against the
// no-agent time of the same run (the mean of a no-agent pass before and after, so that load
// drifting on a shared machine shows up as their spread, printed too).
//
//   exec   N runs of /usr/bin/true, one after another
//   make   `make -j2` of a generated C project (40 files, each compiled and linked), M times
//
// Nothing outside the benchmark is watched: the workloads run chrooted in an overlay of / that
// the benchmark mounts under a temporary directory, and only that overlay's filesystem is
// marked (mamori: its watch_mounts; fapolicyd: watch_fs = overlay). The programs are the
// machine's own, so the trust sets are real: mamori trusts every installed Debian package
// (allowed_packages "*", each file checked against dpkg's MD5, the database's paths moved under
// the overlay), fapolicyd trusts the same executables through its file backend.
//
// usage: exec_bench [--runs N] [--builds M] [--no-fapolicyd]   (as root)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/EventSink.h"
#include "agent/FileDigests.h"
#include "agent/Journal.h"
#include "agent/SoftwareControl.h"
#include "agent/WorkPool.h"
#include "mamori/platform/Clock.h"
#include "mamori/proto/Ed25519Key.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace v1 = mamori::v1;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

[[noreturn]] void die(const std::string& what) {
    std::cerr << "exec_bench: " << what << "\n";
    std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// The sandbox: an overlay of / on a private tmpfs, /dev and /proc bound in.

class Sandbox {
public:
    Sandbox() {
        std::string tmpl = (fs::temp_directory_path() / "mamori-exec-bench-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) die("mkdtemp failed");
        dir_ = tmpl;
        fs::create_directories(dir_ / "layers");
        fs::create_directories(root());
        mountOrDie("tmpfs", dir_ / "layers", "tmpfs", 0, "size=1g,mode=0755");
        fs::create_directories(dir_ / "layers" / "upper");
        fs::create_directories(dir_ / "layers" / "work");
        const std::string opts = "lowerdir=/,upperdir=" + (dir_ / "layers" / "upper").string() +
                                 ",workdir=" + (dir_ / "layers" / "work").string();
        mountOrDie("overlay", root(), "overlay", 0, opts.c_str());
        mountOrDie("/dev", root() / "dev", nullptr, MS_BIND | MS_REC, nullptr);
        mountOrDie("/proc", root() / "proc", nullptr, MS_BIND | MS_REC, nullptr);
    }
    ~Sandbox() {
        for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove_all(dir_ / "state", ec);
        fs::remove(root(), ec);
        fs::remove(dir_ / "layers", ec);
        fs::remove_all(dir_, ec);
    }

    fs::path root() const { return dir_ / "root"; }
    fs::path state() const { return dir_ / "state"; }  // outside the overlay: journals, databases

    // Runs fn in a child chrooted into the overlay; its exit status.
    int inside(const std::function<int()>& fn) const {
        pid_t pid = fork();
        if (pid == 0) {
            if (chroot(root().c_str()) != 0 || chdir("/") != 0) _exit(120);
            _exit(fn());
        }
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    void mountOrDie(const char* src, const fs::path& target, const char* type, unsigned long flags, const char* data) {
        if (mount(src, target.c_str(), type, flags, data) != 0) {
            die("mount " + target.string() + ": " + strerror(errno));
        }
        mounts_.push_back(target);
    }

    fs::path dir_;
    std::vector<fs::path> mounts_;
};

// ---------------------------------------------------------------------------------------------
// Workloads (run inside the sandbox)

int spawnWait(const char* path, char* const argv[]) {
    pid_t pid;
    if (posix_spawn(&pid, path, nullptr, nullptr, argv, environ) != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int runTrue(int n) {
    char arg0[] = "true";
    char* argv[] = {arg0, nullptr};
    for (int i = 0; i < n; ++i) {
        if (spawnWait("/usr/bin/true", argv) != 0) return 2;
    }
    return 0;
}

const char* kProject = "/var/tmp/mamori-exec-bench-project";

void writeProject(const fs::path& root) {
    const fs::path dir = root / fs::path(kProject).relative_path();
    fs::create_directories(dir);
    std::ofstream mk(dir / "Makefile");
    mk << "SRCS := $(wildcard *.c)\nOBJS := $(SRCS:.c=.o)\nall: app\napp: $(OBJS)\n\tcc -o $@ $^\n"
          "%.o: %.c\n\tcc -O1 -c -o $@ $<\nclean:\n\trm -f $(OBJS) app\n";
    for (int i = 0; i < 40; ++i) {
        std::ofstream c(dir / ("unit" + std::to_string(i) + ".c"));
        c << "#include <stdio.h>\n#include <string.h>\n";
        if (i == 0) {
            c << "int main(void) { printf(\"built\\n\"); return 0; }\n";
        } else {
            c << "int f" << i << "(const char* s) { int h = " << i << "; while (*s) h = h * 31 + *s++; return h; }\n";
        }
    }
}

int runMake(int builds) {
    if (chdir(kProject) != 0) return 3;
    char make[] = "make", j2[] = "-j2", s[] = "-s", clean[] = "clean";
    char* build_argv[] = {make, j2, s, nullptr};
    char* clean_argv[] = {make, s, clean, nullptr};
    for (int i = 0; i < builds; ++i) {
        if (spawnWait("/usr/bin/make", clean_argv) != 0) return 4;
        if (spawnWait("/usr/bin/make", build_argv) != 0) return 5;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// mamori: a real SoftwareControl in a watcher process, as in the agent

// dpkg's database with every path moved under the overlay (and merged-/usr spelled as the
// kernel reports it), so that "owned by an approved package and unmodified" is checked for
// real against dpkg's own MD5 sums.
void writeDpkgUnder(const fs::path& root, const fs::path& out) {
    fs::create_directories(out / "info");
    fs::copy_file("/var/lib/dpkg/status", out / "status", fs::copy_options::overwrite_existing);
    auto canonical = [](std::string p) {  // "/bin/x" -> "/usr/bin/x" where /bin is a link into /usr
        for (const char* d : {"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"}) {
            std::string top = std::string(d).substr(0, std::strlen(d) - 1);
            if (p.starts_with(d) && fs::is_symlink(top)) return "/usr" + p;
        }
        return p;
    };
    const std::string prefix = root.string();
    for (const auto& e : fs::directory_iterator("/var/lib/dpkg/info")) {
        const std::string name = e.path().filename().string();
        const bool list = name.ends_with(".list"), sums = name.ends_with(".md5sums");
        if (!list && !sums) continue;
        std::ifstream in(e.path());
        std::ofstream o(out / "info" / name);
        for (std::string line; std::getline(in, line);) {
            if (list) {
                if (line.size() > 1 && line[0] == '/') o << prefix << canonical(line) << "\n";
            } else if (line.size() > 34) {
                o << line.substr(0, 34) << prefix.substr(1) << canonical("/" + line.substr(34)) << "\n";
            }
        }
    }
}

class MamoriWatcher {
public:
    MamoriWatcher(const Sandbox& box, v1::Mode mode) {
        v1::Policy p;
        auto* s = p.mutable_software();
        s->set_mode(mode);
        s->add_allowed_packages()->set_name("*");
        s->add_denied_categories("p2p");
        s->add_watch_mounts(box.root().string());
        s->set_decision_deadline_ms(250);
        s->set_on_deadline(v1::DEADLINE_ALLOW);
        const fs::path state = box.state() / (mode == v1::ENFORCE ? "enforce" : "monitor");
        fs::create_directories(state);
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) != 0) die("pipe");
        pid_ = fork();
        if (pid_ == 0) {
            close(ready[0]);
            boost::asio::io_context io;
            auto clock = mamori::platform::systemClock();
            mamori::agent::Journal journal(state / "journal.db", mamori::proto::Ed25519Key::generate(), 64ull << 20);
            mamori::agent::EventSink sink(journal, *clock, "bench");
            mamori::agent::AgentConfig config;
            config.state_dir = state;
            config.dpkg_status = box.state() / "dpkg" / "status";
            config.dpkg_info_dir = box.state() / "dpkg" / "info";
            mamori::agent::WorkPool work("mamori-work", 2);  // as in the agent
            auto control = mamori::agent::SoftwareControl::create({io.get_executor(), sink, *clock, config, work.executor()});
            control->apply(p);
            boost::asio::signal_set stop(io, SIGTERM);
            stop.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
            (void)!write(ready[1], "1", 1);
            io.run();
            work.stop();
            control.reset();
            _exit(0);
        }
        close(ready[1]);
        char c;
        if (read(ready[0], &c, 1) != 1) die("the mamori watcher did not start");
        close(ready[0]);
        journal_ = state / "journal.db";
    }
    ~MamoriWatcher() {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
    }

private:
    pid_t pid_ = -1;
    fs::path journal_;
};

// ---------------------------------------------------------------------------------------------
// fapolicyd, run in the foreground without systemd, watching only overlay filesystems

class Fapolicyd {
public:
    static std::optional<std::string> unavailable() {
        if (access("/usr/sbin/fapolicyd", X_OK) != 0) return "fapolicyd is not installed (apt-get install fapolicyd)";
        if (system("pgrep -x fapolicyd >/dev/null 2>&1") == 0) return "a fapolicyd is already running on this machine";
        std::ifstream mounts("/proc/mounts");
        for (std::string line; std::getline(mounts, line);) {
            std::istringstream w(line);
            std::string dev, dir, type;
            w >> dev >> dir >> type;
            if (type == "overlay" && dir.find("mamori-exec-bench-") == std::string::npos) {
                return "another overlay filesystem is mounted (" + dir + "); fapolicyd would watch it too";
            }
        }
        return std::nullopt;
    }

    // The equivalent trust set: every regular file the workloads can execute (the programs in
    // /usr/bin and the compiler's own), by path under the overlay, with size and SHA-256.
    explicit Fapolicyd(const Sandbox& box) : saved_dir_(box.state() / "fapolicyd-saved") {
        fs::create_directories(saved_dir_);
        save("/etc/fapolicyd/fapolicyd.conf");
        save("/etc/fapolicyd/fapolicyd.trust");
        save("/etc/fapolicyd/compiled.rules");
        save("/etc/fapolicyd/fapolicyd.rules");
        std::ifstream original_conf(saved_["/etc/fapolicyd/fapolicyd.conf"]);
        std::ostringstream conf;
        for (std::string line; std::getline(original_conf, line);) {
            if (line.starts_with("watch_fs") || line.starts_with("trust") || line.starts_with("uid") ||
                line.starts_with("gid")) {
                continue;
            }
            conf << line << "\n";
        }
        // Root: giving up privileges (capng_change_id) fails where the bounding set is fixed, as in
        // containers and this kind of VM; it changes nothing about how fast decisions are made.
        conf << "watch_fs = overlay\ntrust = file\nuid = root\ngid = root\n";
        write("/etc/fapolicyd/fapolicyd.conf", conf.str());
        // Trusted programs run, nothing else does; opening files is not what is compared.
        write("/etc/fapolicyd/compiled.rules",
              "allow perm=execute all : trust=1\ndeny_audit perm=execute all : all\nallow perm=open all : all\n");
        std::ostringstream trust;
        size_t n = 0;
        for (const char* dir : {"/usr/bin", "/usr/lib/gcc/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"}) {
            std::error_code ec;
            // The library directory only for the dynamic loader and libc; not its subdirectories.
            const bool shallow = std::string_view(dir) == "/usr/lib/x86_64-linux-gnu";
            for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
                 it.increment(ec)) {
                if (shallow && it->is_directory()) it.disable_recursion_pending();
                if (it->is_symlink() || !it->is_regular_file()) continue;
                struct stat st{};
                if (stat(it->path().c_str(), &st) != 0 || !(st.st_mode & 0111)) continue;
                auto d = mamori::agent::FileDigests::ofFile(it->path().string(), 1ull << 32);
                if (!d) continue;
                trust << box.root().string() << it->path().string() << " " << st.st_size << " " << d->sha256 << "\n";
                ++n;
            }
        }
        write("/etc/fapolicyd/fapolicyd.trust", trust.str());
        std::cerr << "fapolicyd: " << n << " trusted executables\n";
        fs::create_directories("/run/fapolicyd");
        fs::create_directories("/var/lib/fapolicyd");
        (void)!system("chown fapolicyd:fapolicyd /run/fapolicyd /var/lib/fapolicyd 2>/dev/null");
        log_ = box.state() / "fapolicyd.log";
        pid_ = fork();
        if (pid_ == 0) {
            int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(fd, 1);
            dup2(fd, 2);
            execl("/usr/sbin/fapolicyd", "fapolicyd", "--debug-deny", (char*)nullptr);
            _exit(127);
        }
        // Ready when it says it listens; give up after 60 s (its trust database is built first).
        const auto until = Steady::now() + 60s;
        while (Steady::now() < until) {
            std::ifstream l(log_);
            std::string text((std::istreambuf_iterator<char>(l)), {});
            if (text.find("Starting to listen for events") != std::string::npos) {
                ok_ = true;
                break;
            }
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(100ms);
        }
    }
    ~Fapolicyd() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        for (const auto& [file, copy] : saved_) {
            std::error_code ec;
            if (fs::exists(copy)) fs::copy_file(copy, file, fs::copy_options::overwrite_existing, ec);
            else fs::remove(file, ec);
        }
    }
    bool ok() const { return ok_; }
    std::string log() const {
        std::ifstream l(log_);
        return std::string((std::istreambuf_iterator<char>(l)), {});
    }

private:
    // The machine's own fapolicyd configuration is put back as it was when the benchmark ends.
    void save(const fs::path& file) {
        const fs::path copy = saved_dir_ / file.filename();
        std::error_code ec;
        if (fs::exists(file)) fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec);
        saved_[file] = copy;
    }
    static void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

    fs::path saved_dir_;
    std::map<fs::path, fs::path> saved_;
    fs::path log_;
    pid_t pid_ = -1;
    bool ok_ = false;
};

// ---------------------------------------------------------------------------------------------

struct Timing {
    double exec_s = 0;
    double make_s = 0;
};

Timing measure(const Sandbox& box, int runs, int builds) {
    // Warm: the first exec of each program is read and hashed once; what follows is measured.
    if (box.inside([] { return runTrue(50); }) != 0 || box.inside([] { return runMake(1); }) != 0) {
        die("the warm-up failed (is an exec refused?)");
    }
    Timing t;
    auto t0 = Steady::now();
    if (box.inside([runs] { return runTrue(runs); }) != 0) die("the exec workload failed");
    t.exec_s = std::chrono::duration<double>(Steady::now() - t0).count();
    t0 = Steady::now();
    if (box.inside([builds] { return runMake(builds); }) != 0) die("the make workload failed");
    t.make_s = std::chrono::duration<double>(Steady::now() - t0).count();
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 20000, builds = 3;
    bool with_fapolicyd = true;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
        else if (a == "--builds" && i + 1 < argc) builds = std::stoi(argv[++i]);
        else if (a == "--no-fapolicyd") with_fapolicyd = false;
        else die("usage: exec_bench [--runs N] [--builds M] [--no-fapolicyd]");
    }
    if (geteuid() != 0) die("needs root (fanotify, mounts, chroot)");
    if (access("/usr/bin/make", X_OK) != 0 || access("/usr/bin/cc", X_OK) != 0) die("needs make and cc");

    Sandbox box;
    writeProject(box.root());
    writeDpkgUnder(box.root(), box.state() / "dpkg");
    std::printf("exec_bench: %d runs of /usr/bin/true; %d x make -j2 of 40 C files (%u cpus)\n", runs, builds,
                std::thread::hardware_concurrency());

    std::vector<std::pair<std::string, Timing>> results;
    auto row = [&](const std::string& name, Timing t) {
        results.emplace_back(name, t);
        std::printf("  %-26s exec %8.2f s   make %7.2f s\n", name.c_str(), t.exec_s, t.make_s);
        std::fflush(stdout);
    };
    row("no agent", measure(box, runs, builds));
    {
        MamoriWatcher w(box, v1::MONITOR);
        row("mamori monitor", measure(box, runs, builds));
    }
    {
        MamoriWatcher w(box, v1::ENFORCE);
        row("mamori enforce (warm)", measure(box, runs, builds));
    }
    std::string fapolicyd_note;
    if (!with_fapolicyd) {
        fapolicyd_note = "not run (--no-fapolicyd)";
    } else if (auto why = Fapolicyd::unavailable()) {
        fapolicyd_note = *why;
    } else {
        Fapolicyd f(box);
        if (f.ok()) row("fapolicyd (warm)", measure(box, runs, builds));
        else fapolicyd_note = "did not start:\n" + f.log();
    }
    row("no agent (again)", measure(box, runs, builds));

    const Timing& a = results.front().second;
    const Timing& b = results.back().second;
    const Timing base{(a.exec_s + b.exec_s) / 2, (a.make_s + b.make_s) / 2};
    std::printf("\noverhead against no agent (mean of the two no-agent passes; they differ by %.1f%% / %.1f%%)\n",
                100.0 * std::abs(a.exec_s - b.exec_s) / base.exec_s, 100.0 * std::abs(a.make_s - b.make_s) / base.make_s);
    for (size_t i = 1; i + 1 < results.size(); ++i) {
        const auto& [name, t] = results[i];
        std::printf("  %-26s exec %.3fx   make %.3fx\n", name.c_str(), t.exec_s / base.exec_s, t.make_s / base.make_s);
    }
    if (!fapolicyd_note.empty()) std::printf("  fapolicyd: %s\n", fapolicyd_note.c_str());

    // Targets: enforce with a warm cache costs at most 5 % over no agent, and no more than fapolicyd.
    auto ratio = [&](const std::string& name) -> std::optional<Timing> {
        for (const auto& [n, t] : results)
            if (n == name) return Timing{t.exec_s / base.exec_s, t.make_s / base.make_s};
        return std::nullopt;
    };
    const Timing enforce = *ratio("mamori enforce (warm)");
    bool met = enforce.exec_s <= 1.05 && enforce.make_s <= 1.05;
    std::printf("\ntarget: mamori enforce (warm) <= 1.05x: exec %.3fx, make %.3fx: %s\n", enforce.exec_s, enforce.make_s,
                met ? "met" : "MISSED");
    if (auto fapolicyd = ratio("fapolicyd (warm)")) {
        const bool under = enforce.exec_s <= fapolicyd->exec_s && enforce.make_s <= fapolicyd->make_s;
        std::printf("target: mamori enforce <= fapolicyd (exec %.3fx, make %.3fx): %s\n", fapolicyd->exec_s,
                    fapolicyd->make_s, under ? "met" : "MISSED");
        met = met && under;
    }
    return met ? 0 : 3;
}
