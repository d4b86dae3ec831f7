#pragma once
// A real collector process on loopback ports, set up as `mamori-collector init` does it.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "Subprocess.h"
#include "mamori/common/Files.h"
#include "mamori/common/HttpsClient.h"

namespace mamori::test {

inline std::string bin(const std::string& name) {
    return std::string(MAMORI_BINARY_DIR) + (name == "mamori-agent" ? "/agent/" : "/collector/") + name;
}

// A loopback port nothing listens on, below the kernel's ephemeral range (32768 and up): a port
// the kernel handed out would be handed out again as the source port of some other test's
// connection, and a collector restarted on it would find it taken.
inline unsigned short freePort() {
    static std::mt19937 pick(std::random_device{}());
    std::uniform_int_distribution<int> range(20000, 32000);
    boost::asio::io_context io;
    for (int tries = 0; tries < 1000; ++tries) {
        const auto port = static_cast<unsigned short>(range(pick));
        boost::asio::ip::tcp::acceptor a(io);
        boost::system::error_code ec;
        a.open(boost::asio::ip::tcp::v4(), ec);
        if (!ec) a.bind({boost::asio::ip::address_v4::loopback(), port}, ec);
        if (!ec) return port;
    }
    throw std::runtime_error("no free loopback port between 20000 and 32000");
}

inline std::filesystem::path tempDir(const std::string& name) {
    auto d = std::filesystem::temp_directory_path() /
             ("mamori-" + name + "-" + std::to_string(getpid()) + "-" + std::to_string(rand()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

// What a Prometheus exposition says for one sample ("name{labels}"), or -1 when it is not there.
inline double metricSample(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

inline bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return cond();
}

// libfaketime for threaded programs (Debian package faketime).
inline constexpr const char* kLibFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

// Words put in front of a command so that its wall clock is moved by `offset` ("-1d", "+2d"):
// libfaketime preloaded into the process itself, so the pid stays the program's. The monotonic
// clock keeps running true, and so do its timers: the timerfd calls libfaketime would shift are
// put back by a library preloaded in front of it (tests/support/timerfd_passthrough.c).
// AddressSanitizer wants to be the first library loaded; in the sanitized build it comes second.
inline std::vector<std::string> fakeClock(const std::string& offset) {
    return {"/usr/bin/env",
            std::string("LD_PRELOAD=") + MAMORI_BINARY_DIR "/tests/libmamori_timerfd_passthrough.so:" + kLibFaketime,
            "FAKETIME=" + offset, "FAKETIME_DONT_FAKE_MONOTONIC=1",
            "ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0"};
}

class TestCollector {
public:
    // store_url: where `init` puts the store (empty: its default SQLite file in dir); join: the
    // directory of a collector whose CA, policy key and store this one shares.
    // init_prefix runs `init` through another program (faketime, to issue certificates that
    // were already valid days ago).
    explicit TestCollector(std::filesystem::path dir, std::string extra_conf = "", std::string store_url = "",
                           std::filesystem::path join = {}, std::vector<std::string> init_prefix = {})
        : dir_(std::move(dir)) {
        choosePorts();
        std::string out;
        std::vector<std::string> init = std::move(init_prefix);
        init.insert(init.end(), {bin("mamori-collector"), "init", "--dir", dir_.string(), "--agent-listen",
                                      "127.0.0.1:" + std::to_string(agent_port_), "--admin-listen",
                                      "127.0.0.1:" + std::to_string(admin_port_), "--metrics-listen",
                                      "127.0.0.1:" + std::to_string(metrics_port_), "--organisation", "test city"});
        if (!store_url.empty()) init.insert(init.end(), {"--store", store_url});
        if (!join.empty()) init.insert(init.end(), {"--join", join.string()});
        int rc = Subprocess::run(init, &out);
        EXPECT_EQ(rc, 0) << out;
        if (!extra_conf.empty()) std::ofstream(dir_ / "collector.conf", std::ios::app) << extra_conf;
    }

    void start() {
        for (int attempt = 1;; ++attempt) {
            const size_t logged = logText().size();
            proc_.start({bin("mamori-collector"), "run", "--dir", dir_.string()}, log());
            // freePort() found the ports free, but tests run in parallel, and another one may
            // have bound one of them since; the collector then exits saying so.
            bool taken = false;
            if (waitFor([&] {
                    taken = portTakenAtExit(logText().substr(logged));
                    return taken || (connectable(admin_port_) && connectable(agent_port_));
                }) &&
                !taken)
                return;
            if (!taken || attempt == 3) break;
            proc_.kill(SIGKILL);  // collects the exited process
            choosePortsAgain();
        }
        FAIL() << "collector did not start: " << logText();
    }
    int stop(int sig = SIGTERM) { return proc_.kill(sig); }
    void signal(int sig) { ::kill(proc_.pid(), sig); }
    pid_t pid() const { return proc_.pid(); }
    bool running() const { return proc_.running(); }

    // The error the collector exits with ("mamori-collector: ...") names a port in use. A taken
    // default metrics port is only a warning in the log ("<4>..."), and the collector runs on.
    static bool portTakenAtExit(const std::string& log) {
        std::istringstream lines(log);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("mamori-collector: ", 0) == 0 && line.find("Address already in use") != std::string::npos)
                return true;
        return false;
    }

    // Three different free ports: freePort() releases each port it checks, so two calls can
    // give the same one.
    void choosePorts() {
        agent_port_ = freePort();
        do admin_port_ = freePort();
        while (admin_port_ == agent_port_);
        do metrics_port_ = freePort();
        while (metrics_port_ == agent_port_ || metrics_port_ == admin_port_);
    }

    // New ports, written where `init` wrote the old ones: the three listen settings and
    // mamorictl's URL.
    void choosePortsAgain() {
        choosePorts();
        const std::vector<std::pair<std::string, unsigned short>> lines{{"agent_listen = 127.0.0.1:", agent_port_},
                                                                        {"admin_listen = 127.0.0.1:", admin_port_},
                                                                        {"metrics_listen = 127.0.0.1:", metrics_port_},
                                                                        {"url = https://127.0.0.1:", admin_port_}};
        for (const char* name : {"collector.conf", "mamorictl.conf"}) {
            std::istringstream in(mamori::common::Files::read(dir_ / name));
            std::string out;
            for (std::string line; std::getline(in, line);) {
                for (const auto& [start, port] : lines)
                    if (line.rfind(start, 0) == 0) line = start + std::to_string(port);
                out += line + "\n";
            }
            std::ofstream(dir_ / name, std::ios::trunc) << out;
        }
    }

    std::string agentUrl() const { return "https://127.0.0.1:" + std::to_string(agent_port_); }
    unsigned short adminPort() const { return admin_port_; }
    unsigned short agentPort() const { return agent_port_; }
    unsigned short metricsPort() const { return metrics_port_; }
    // Its /metrics page as a scraper reads it, status line and headers included (metricSample
    // finds a sample in it).
    std::string metrics() const {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket s(io);
        s.connect({boost::asio::ip::address_v4::loopback(), metrics_port_});
        boost::asio::write(s, boost::asio::buffer(std::string(
                                  "GET /metrics HTTP/1.1\r\nHost: collector\r\nConnection: close\r\n\r\n")));
        std::string text;
        boost::system::error_code ec;  // end of stream: the page is whole
        boost::asio::read(s, boost::asio::dynamic_buffer(text), ec);
        return text;
    }
    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path log() const { return dir_ / "collector.log"; }
    std::string logText() const {
        return std::filesystem::exists(log()) ? mamori::common::Files::read(log()) : std::string();
    }

    // mamorictl against this collector; returns stdout+stderr, asserts the exit code. Its
    // headings in English whatever the locale the tests run in.
    std::string ctl(std::vector<std::string> args, int expect = 0) const {
        args.insert(args.begin(), {bin("mamorictl"), "--config", (dir_ / "mamorictl.conf").string(), "--lang", "en"});
        std::string out;
        int rc = Subprocess::run(args, &out);
        EXPECT_EQ(rc, expect) << out;
        return out;
    }

    // `mamorictl user add NAME args...`; returns the path of a mamorictl.conf holding the new
    // user's token, for running mamorictl as them.
    std::filesystem::path addUser(const std::string& name, std::vector<std::string> args) const {
        args.insert(args.begin(), {"user", "add", name});
        const std::string out = ctl(args);
        const std::string token = out.substr(0, out.find('\n'));
        EXPECT_GE(token.size(), 20u) << out;
        const auto token_file = dir_ / (name + ".token");
        std::ofstream(token_file) << token << "\n";
        const auto conf = dir_ / (name + ".conf");
        std::ifstream in(dir_ / "mamorictl.conf");
        std::ofstream o(conf);
        for (std::string line; std::getline(in, line);)
            o << (line.rfind("token_file", 0) == 0 ? "token_file = " + token_file.string() : line) << "\n";
        return conf;
    }

    std::string token(const std::string& group = "default") const {
        std::string out = ctl({"token", "create", "--group", group});
        return out.substr(0, out.find('\n'));
    }

    boost::json::value admin(const std::string& target) const { return boost::json::parse(adminAnswer(target).body); }

    // A GET on the admin endpoint as the first administrator, whatever its status.
    mamori::common::HttpsClient::Response adminAnswer(const std::string& target) const {
        auto tls = mamori::common::HttpsClient::context(mamori::common::Files::read(dir_ / "ca.pem"));
        std::string token = mamori::common::Files::read(dir_ / "admin.token");
        token.pop_back();
        return mamori::common::HttpsClient::fetch(*tls, "https://127.0.0.1:" + std::to_string(admin_port_),
                                                  boost::beast::http::verb::get, target, "", "",
                                                  {{"Authorization", "Bearer " + token}}, std::chrono::seconds(10));
    }

    // Seqs stored for a terminal, in order.
    std::vector<uint64_t> seqs(const std::string& terminal) const {
        std::vector<uint64_t> out;
        auto events = admin("/admin/v1/events?limit=10000&terminal=" + terminal);  // must outlive the loop
        for (const auto& e : events.at("rows").as_array())
            out.push_back(e.at("seq").to_number<uint64_t>());
        return out;
    }

    std::vector<std::string> types(const std::string& terminal) const {
        std::vector<std::string> out;
        auto events = admin("/admin/v1/events?limit=10000&terminal=" + terminal);
        for (const auto& e : events.at("rows").as_array())
            out.push_back(std::string(e.at("body").at("type").as_string()));
        return out;
    }

    static bool connectable(unsigned short port) {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket s(io);
        boost::system::error_code ec;
        s.connect({boost::asio::ip::address_v4::loopback(), port}, ec);
        return !ec;
    }

private:
    std::filesystem::path dir_;
    unsigned short agent_port_ = 0, admin_port_ = 0, metrics_port_ = 0;
    Subprocess proc_;
};

// A real agent process with its own state directory.
class TestAgent {
public:
    // prefix runs every mamori-agent command through another program: faketime, for a terminal
    // whose clock is wrong.
    explicit TestAgent(std::filesystem::path dir, std::string conf = "", std::vector<std::string> prefix = {})
        : dir_(std::move(dir)), prefix_(std::move(prefix)) {
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "agent.conf") << "state_dir = " << (dir_ / "state").string() << "\n" << conf;
    }
    std::string enroll(const std::string& url, const std::string& token, const std::string& host = "term-a",
                       int expect = 0) {
        std::string out;
        int rc = Subprocess::run(command({"enroll", "--config", config(), "--collector", url, "--token", token,
                                          "--hostname", host}),
                                 &out);
        EXPECT_EQ(rc, expect) << out;
        return out;
    }
    // Returns once the daemon has written its status, i.e. it handles SIGTERM. `before`: words put
    // in front of the command, such as an `env` that changes its environment (the pid stays).
    void start(std::vector<std::string> before = {}) {
        const auto run = command({"run", "--config", config()});
        before.insert(before.end(), run.begin(), run.end());
        proc_.start(std::move(before), dir_ / "agent.log");
        std::string mine = "by pid " + std::to_string(proc_.pid()) + "\n";
        ASSERT_TRUE(waitFor([&] { return status().find(mine) != std::string::npos; })) << logText();
    }
    int stop(int sig = SIGTERM) { return proc_.kill(sig); }
    void signal(int sig) { ::kill(proc_.pid(), sig); }
    bool running() const { return proc_.running(); }
    pid_t pid() const { return proc_.pid(); }
    std::string status() const {
        std::string out;
        Subprocess::run(command({"status", "--config", config()}), &out);
        return out;
    }
    std::filesystem::path state() const { return dir_ / "state"; }
    std::string config() const { return (dir_ / "agent.conf").string(); }
    std::string logText() const { return mamori::common::Files::read(dir_ / "agent.log"); }

private:
    std::vector<std::string> command(std::vector<std::string> args) const {
        std::vector<std::string> out = prefix_;
        out.push_back(bin("mamori-agent"));
        out.insert(out.end(), args.begin(), args.end());
        return out;
    }

    std::filesystem::path dir_;
    std::vector<std::string> prefix_;
    Subprocess proc_;
};

}  // namespace mamori::test
