#pragma once
// A real dbus-daemon of the test's own, with logind on it as python3-dbusmock's logind template
// provides it (logind itself needs systemd as PID 1). DBUS_SYSTEM_BUS_ADDRESS points the code
// under test at this bus for the test's lifetime. The test plays the parts of logind's world
// through the mock's own control interface: sessions appear, their hints change, and the calls
// the code made are read back.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/Subprocess.h"

namespace mamori::test {

class LogindBus {
public:
    static constexpr const char* kDaemon = "/usr/bin/dbus-daemon";
    static constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-dbusmock is

    // Why the test cannot run here, or empty when it can.
    static std::string missing() {
        if (::access(kDaemon, X_OK) != 0) return "dbus-daemon is not installed (scripts/install-deps.sh installs it)";
        if (Subprocess::run({kPython, "-c", "import dbusmock"}) != 0)
            return "python3-dbusmock is not installed (scripts/install-deps.sh installs it)";
        return {};
    }

    // with_logind false: a bus with nobody on it, as on a terminal without systemd.
    LogindBus(const std::filesystem::path& dir, bool with_logind = true) : dir_(dir) {
        daemon_.start({kDaemon, "--session", "--nofork", "--nopidfile", "--print-address"}, dir_ / "bus.log");
        for (int i = 0; i < 500 && address_.empty(); ++i) {
            std::ifstream in(dir_ / "bus.log");
            std::string line;
            if (std::getline(in, line) && line.starts_with("unix:") && !in.eof()) address_ = line;
            else std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (address_.empty()) throw std::runtime_error("dbus-daemon gave no address; see " + (dir_ / "bus.log").string());
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);
        if (!with_logind) return;
        mock_.start({kPython, "-m", "dbusmock", "--template", "logind"}, dir_ / "logind.log");
        std::string out;
        if (gdbus({"wait", "--address", address_, "--timeout", "20", "org.freedesktop.login1"}, &out) != 0)
            throw std::runtime_error("the logind mock did not come up: " + out);
    }
    ~LogindBus() {
        ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        mock_.kill(SIGTERM);
        daemon_.kill(SIGTERM);
    }

    const std::string& address() const { return address_; }

    // A method of logind's mock (its org.freedesktop.DBus.Mock interface), arguments as GVariant text.
    std::string mock(const std::string& path, const std::string& method, std::vector<std::string> args) {
        std::vector<std::string> argv{"call", "--address", address_, "--dest", "org.freedesktop.login1",
                                      "--object-path", path, "--method", "org.freedesktop.DBus.Mock." + method};
        argv.insert(argv.end(), args.begin(), args.end());
        std::string out;
        if (gdbus(argv, &out) != 0) throw std::runtime_error("Mock." + method + " failed: " + out);
        return out;
    }

    // Adds a session (and its seat and user), sets its properties, and has logind announce it.
    void addSession(const std::string& id, const std::string& user, const std::string& properties, bool announce) {
        mock("/org/freedesktop/login1", "AddSession", {"'" + id + "'", "'seat0'", "1000", "'" + user + "'", "true"});
        setProperties(id, properties);
        if (announce)
            mock("/org/freedesktop/login1", "EmitSignal",
                 {"org.freedesktop.login1.Manager", "SessionNew", "so",
                  "[<'" + id + "'>, <objectpath '" + sessionPath(id) + "'>]"});
    }
    void removeSession(const std::string& id) {
        mock("/org/freedesktop/login1", "RemoveObject", {"'" + sessionPath(id) + "'"});
        mock("/org/freedesktop/login1", "EmitSignal",
             {"org.freedesktop.login1.Manager", "SessionRemoved", "so",
              "[<'" + id + "'>, <objectpath '" + sessionPath(id) + "'>]"});
    }
    // Changes properties the way logind does: the value, then PropertiesChanged.
    void setProperties(const std::string& id, const std::string& properties) {
        mock(sessionPath(id), "UpdateProperties", {"org.freedesktop.login1.Session", properties});
    }
    // The calls the code under test made of logind's manager, as gdbus prints them.
    std::string callsOf(const std::string& method) { return mock("/org/freedesktop/login1", "GetMethodCalls", {"'" + method + "'"}); }

    static std::string sessionPath(const std::string& id) { return "/org/freedesktop/login1/session/" + id; }

    static int gdbus(std::vector<std::string> args, std::string* out) {
        args.insert(args.begin(), "gdbus");
        return Subprocess::run(args, out);
    }

private:
    std::filesystem::path dir_;
    Subprocess daemon_, mock_;
    std::string address_;
};

}  // namespace mamori::test
