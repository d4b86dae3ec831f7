// What the person at the terminal is told, as their desktop shows it: a real Xvfb, a real session
// bus with a notification server on it (python-dbusmock's notification_daemon, which records each
// Notify call), and the real notify-send run by the agent's command runner. The bus must sit where
// a logged-on user's does (/run/user/UID/bus), so the test runs itself again in a private mount
// namespace with its own /run/user, and no other test on the machine sees that bus.
#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>
#include <pwd.h>
#include <sys/mount.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <fstream>

#include "XvfbServer.h"
#include "agent/UserNotice.h"
#include "mamori/common/Files.h"
#include "mamori/platform/Clock.h"
#include "mamori/platform/SessionTerminal.h"
#include "tests/support/Subprocess.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kInner = "MAMORI_NOTICE_INNER";

std::string read(const fs::path& f) { return fs::exists(f) ? mamori::common::Files::read(f) : std::string(); }

}  // namespace

TEST(UserNotice, ABlockedStickIsShownOnTheDesktopWithWhomToCall) {
    if (!std::getenv(kInner)) {
        // The outer run: the same test again, alone in a mount namespace with a private /run/user.
        if (geteuid() != 0) GTEST_SKIP() << "a private /run/user needs root";
        std::string out;
        const int rc = Subprocess::run({"unshare", "--mount", "--propagation", "private", "/usr/bin/env",
                                        std::string(kInner) + "=1", "/bin/sh", "-c",
                                        "mount -t tmpfs -o mode=0755 tmpfs /run/user && exec \"$0\" "
                                        "--gtest_filter=UserNotice.ABlockedStickIsShownOnTheDesktopWithWhomToCall",
                                        fs::read_symlink("/proc/self/exe").string()},
                                       &out);
        EXPECT_EQ(rc, 0) << out;
        EXPECT_NE(out.find("[  PASSED  ] 1 test"), std::string::npos) << out;
        return;
    }
    XvfbServer x;
    const fs::path dir = tempDir("notice");
    const passwd* me = getpwuid(geteuid());
    const fs::path runtime = "/run/user/" + std::to_string(geteuid());
    fs::create_directories(runtime);
    fs::permissions(runtime, fs::perms::owner_all);
    Subprocess bus, daemon;
    bus.start({"/usr/bin/dbus-daemon", "--session", "--nofork", "--address=unix:path=" + (runtime / "bus").string()},
              dir / "bus.log");
    ASSERT_TRUE(waitFor([&] { return fs::exists(runtime / "bus"); })) << read(dir / "bus.log");
    daemon.start({"/usr/bin/env", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + (runtime / "bus").string(), "/usr/bin/python3",
                  "-m", "dbusmock", "--session", "-t", "notification_daemon", "-l", (dir / "notify.log").string()},
                 dir / "daemon.log");
    std::string names;
    ASSERT_TRUE(waitFor([&] {
        Subprocess::run({"/usr/bin/env", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + (runtime / "bus").string(), "/usr/bin/dbus-send",
                         "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                         "org.freedesktop.DBus.ListNames"},
                        &names);
        return names.find("org.freedesktop.Notifications") != std::string::npos;
    })) << names << read(dir / "daemon.log");

    boost::asio::io_context io;
    const auto clock = mamori::platform::systemClock();
    const mamori::platform::Session graphical{me->pw_name, x.display(), x.display(), getpid(), 0, ""};
    mamori::agent::UserNotice notice(mamori::platform::commandRunner(io.get_executor()), "notify-send",
                                     [&] { return std::vector<mamori::platform::Session>{graphical}; }, *clock);
    notice.setHelpdesk("情報政策課 内線1234");
    EXPECT_EQ(notice.tell("", "mamori: USB 機器は使用できません / USB device blocked",
                          "「SanDisk Ultra」はこの端末での使用が許可されていません。"),
              1);
    EXPECT_EQ(notice.tell("", "mamori: USB 機器は使用できません / USB device blocked",
                          "「SanDisk Ultra」はこの端末での使用が許可されていません。"),
              0)
        << "the same notice again within a minute is not shown";
    EXPECT_EQ(notice.tell("someone-else", "mamori: プログラムを起動できません / Program not started", "x"), 0)
        << "another user's sessions only";
    ASSERT_TRUE(waitFor([&] {
        io.run_for(std::chrono::milliseconds(50));
        return read(dir / "notify.log").find("Notify") != std::string::npos;
    })) << read(dir / "daemon.log");
    io.run_for(std::chrono::milliseconds(300));
    const std::string log = read(dir / "notify.log");
    EXPECT_NE(log.find("\"mamori\""), std::string::npos) << log;
    EXPECT_NE(log.find("mamori: USB 機器は使用できません / USB device blocked"), std::string::npos) << log;
    EXPECT_NE(log.find("「SanDisk Ultra」はこの端末での使用が許可されていません。\n問い合わせ先 / Contact: 情報政策課 内線1234"),
              std::string::npos)
        << log;
    size_t calls = 0;
    for (size_t at = 0; (at = log.find(" Notify ", at)) != std::string::npos; ++at) ++calls;
    EXPECT_EQ(calls, 1u) << log;
    daemon.kill(SIGTERM);
    bus.kill(SIGTERM);
}

TEST(UserNotice, ATextSessionIsToldOnItsOwnTerminalAndNoOtherFileIsWritten) {
    int master = -1, slave = -1;
    char name[64];
    // Raw output, so the bytes read are the bytes written (a terminal's ONLCR would add \r).
    termios raw{};
    cfmakeraw(&raw);
    ASSERT_EQ(openpty(&master, &slave, name, &raw, nullptr), 0);
    const std::string line = std::string(name).substr(5);  // "pts/N"
    ASSERT_TRUE(mamori::platform::writeToSessionTerminal(line, "【mamori】運用時間外です。\n2 行目"));
    char buffer[512];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buffer, static_cast<size_t>(n)), "\r\n【mamori】運用時間外です。\r\n2 行目\r\n");
    for (const std::string bad : {"../etc/passwd", "pts/../null", "null", "pts/", "tty", "ttyS0x", "pts/12345", ""})
        EXPECT_FALSE(mamori::platform::writeToSessionTerminal(bad, "x")) << bad;
    ::close(master);
    ::close(slave);
}
