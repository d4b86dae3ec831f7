// The GNOME lock-settings audit against real gsettings reading real dconf databases: each user's
// database is compiled here with `dconf compile` into a home folder of the test's own, exactly
// where dconf keeps it (~/.config/dconf/user), and the audit reads it as that user would.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <fstream>

#include "tests/support/Subprocess.h"
#include "agent/DesktopLockAudit.h"
#include "mamori/platform/CommandRunner.h"
#include "tests/support/JournalProbe.h"

namespace {

namespace v1 = mamori::v1;
using namespace std::chrono_literals;
using mamori::platform::UserDesktop;
using Clock = std::chrono::steady_clock;

// The real runner, counting the programs that have finished: the audit's own end is silent.
class CountingRunner final : public mamori::platform::CommandRunner {
public:
    explicit CountingRunner(boost::asio::any_io_executor ex) : real_(mamori::platform::commandRunner(ex)) {}
    void run(std::vector<std::string> argv, std::vector<std::string> env, Done done) override {
        real_->run(std::move(argv), std::move(env), [this, done](const Result& r) {
            ++finished;
            done(r);
        });
    }
    int finished = 0;

private:
    std::unique_ptr<mamori::platform::CommandRunner> real_;
};

class DesktopLockAuditTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string out;
        if (mamori::test::Subprocess::run({"sh", "-c", "command -v dconf && command -v gsettings && "
                                                       "gsettings list-keys org.gnome.desktop.screensaver"},
                                          &out) != 0) {
            std::string why = "dconf-cli, gsettings or the GNOME schemas are missing (scripts/install-deps.sh): " + out;
            const char* ci = std::getenv("CI");
            if (ci && std::string(ci) == "true") FAIL() << why;
            GTEST_SKIP() << why;
        }
        static int n = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("mamori-dconf-" + std::to_string(getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

    // A user whose own dconf database holds these settings (keyfile syntax).
    UserDesktop user(const std::string& name, const std::string& settings) {
        auto home = dir_ / name;
        std::filesystem::create_directories(home / "keyfiles");
        std::filesystem::create_directories(home / ".config/dconf");
        std::filesystem::create_directories(home / "run");
        std::filesystem::permissions(home / "run", std::filesystem::perms::owner_all);
        std::ofstream(home / "keyfiles/00-user") << settings;
        std::string out;
        EXPECT_EQ(mamori::test::Subprocess::run({"dconf", "compile", (home / ".config/dconf/user").string(),
                                                 (home / "keyfiles").string()},
                                                &out),
                  0)
            << out;
        UserDesktop d;
        d.user = name;
        d.display = ":0";
        d.env = {"HOME=" + home.string(), "XDG_CONFIG_HOME=" + (home / ".config").string(),
                 "XDG_RUNTIME_DIR=" + (home / "run").string()};
        return d;
    }
    void audit(const std::vector<UserDesktop>& desktops) {
        mamori::agent::DesktopLockAudit a(runner_, findings_);
        a.run(300s, desktops);
        const int expected = 3 * static_cast<int>(desktops.size());  // three keys per desktop
        auto end = Clock::now() + 20s;
        while (runner_.finished < expected && Clock::now() < end) {
            io_.restart();
            io_.run_for(20ms);
        }
        ASSERT_EQ(runner_.finished, expected);
    }
    std::vector<v1::EventBody> weak() const { return probe_.events(v1::SCREEN_LOCK_SETTING_WEAK); }

    std::filesystem::path dir_;
    boost::asio::io_context io_;
    std::unique_ptr<mamori::platform::Clock> clock_ = mamori::platform::systemClock();
    mamori::test::JournalProbe probe_{*clock_};
    CountingRunner runner_{io_.get_executor()};
    mamori::agent::WeakLockSettings findings_{probe_.sink(), probe_.dir() / "state"};
};

TEST_F(DesktopLockAuditTest, EachUsersOwnSettingsAreJudged) {
    audit({user("sato", "[org/gnome/desktop/session]\nidle-delay=uint32 900\n\n"
                        "[org/gnome/desktop/screensaver]\nlock-delay=uint32 30\n"),
           user("kato", "[org/gnome/desktop/screensaver]\nlock-enabled=false\n"),
           user("ito", "[org/gnome/desktop/session]\nidle-delay=uint32 240\n\n"
                       "[org/gnome/desktop/screensaver]\nlock-delay=uint32 60\n")});
    auto events = weak();
    ASSERT_EQ(events.size(), 2u) << "ito's desktop locks within five minutes";
    std::map<std::string, v1::EventBody> by_setting;
    for (const auto& e : events) by_setting[e.screen().setting()] = e;
    ASSERT_TRUE(by_setting.count("gnome idle-delay 900 s + lock-delay 30 s (user sato)"));
    EXPECT_EQ(by_setting["gnome idle-delay 900 s + lock-delay 30 s (user sato)"].screen().setting_seconds(), 930u);
    EXPECT_EQ(by_setting["gnome idle-delay 900 s + lock-delay 30 s (user sato)"].screen().display(), ":0");
    EXPECT_TRUE(by_setting.count("gnome org.gnome.desktop.screensaver lock-enabled=false (user kato)"));
    for (const auto& e : events) EXPECT_TRUE(e.violation());
}

TEST_F(DesktopLockAuditTest, UserWhoChangedNothingHasTheSystemDefaults) {
    // GNOME's shipped defaults: idle after 300 s, lock at once.
    audit({user("suzuki", "[org/gnome/desktop/interface]\nclock-format='24h'\n")});
    EXPECT_TRUE(weak().empty());
}

}  // namespace
