#pragma once
// A real collector for a benchmark: a state directory made exactly as `mamori-collector init`
// makes it (CA, TLS and policy keys, store, first admin token), served on loopback ports from
// this process by the same Collector class the binary runs, or by the binary itself.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "collector/Collector.h"
#include "collector/CollectorHome.h"
#include "collector/PolicyUpload.h"
#include "mamori/common/Files.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::bench {

class BenchCollector {
public:
    // Creates the state directory when it holds no collector yet, then serves it with `threads`
    // worker threads until destroyed. Listening ports are chosen free at init time.
    // store_url: empty for the default SQLite file in dir. own_process: served by the real
    // mamori-collector binary in a child process, so that its memory and CPU are its own.
    // extra_conf: lines appended to the collector.conf that init writes (limits, for example).
    BenchCollector(const std::filesystem::path& dir, int threads, const std::string& store_url = "",
                   bool own_process = false, const std::string& extra_conf = "")
        : dir_(dir) {
        if (!std::filesystem::exists(dir_ / "collector.conf")) {
            // init makes the directory private (0700) and fills it with keys: never do that to a
            // directory that already holds something else.
            if (std::filesystem::exists(dir_) && !std::filesystem::is_empty(dir_))
                throw std::runtime_error(dir_.string() + " is neither empty nor a collector's state directory");
            collector::CollectorHome::InitOptions o;
            o.organisation = "mamori bench";
            o.agent_listen = "127.0.0.1:" + std::to_string(freePort());
            o.admin_listen = "127.0.0.1:" + std::to_string(freePort());
            o.metrics_listen = "127.0.0.1:" + std::to_string(freePort());
            o.server_names = {"127.0.0.1", "localhost"};
            o.store_url = store_url;
            collector::CollectorHome::init(dir_, o);
            if (!extra_conf.empty()) std::ofstream(dir_ / "collector.conf", std::ios::app) << extra_conf;
        }
        home_ = std::make_unique<collector::CollectorHome>(dir_);
        ca_pem_ = common::Files::read(dir_ / "ca.pem");
        admin_token_ = common::Files::read(dir_ / "admin.token");
        while (!admin_token_.empty() && (admin_token_.back() == '\n' || admin_token_.back() == '\r'))
            admin_token_.pop_back();
        admin_tls_ = common::HttpsClient::context(ca_pem_);
        auto port = [&](const char* key) {
            const std::string listen = home_->config().get(key, "");
            return static_cast<unsigned short>(std::stoi(listen.substr(listen.rfind(':') + 1)));
        };
        agent_port_ = port("agent_listen");
        admin_port_ = port("admin_listen");
        if (own_process) {
            const std::string bin = std::string(MAMORI_BINARY_DIR) + "/collector/mamori-collector";
            const std::string threads_arg = std::to_string(threads), dir_arg = dir_.string();
            const char* argv[] = {bin.c_str(), "run", "--dir", dir_arg.c_str(), "--threads", threads_arg.c_str(), nullptr};
            child_ = fork();
            if (child_ == 0) {
                const int log = ::open((dir_ / "collector.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (log >= 0) {
                    dup2(log, 1);
                    dup2(log, 2);
                }
                execv(bin.c_str(), const_cast<char**>(argv));
                _exit(127);
            }
            for (int i = 0; i < 300 && !listening(admin_port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (!listening(admin_port_)) throw std::runtime_error(bin + " did not start");
        } else {
            collector_ = std::make_unique<collector::Collector>(*home_);
            thread_ = std::thread([this, threads] { collector_->run(threads); });
        }
    }

    ~BenchCollector() {
        if (child_ > 0) {
            kill(child_, SIGTERM);
            waitpid(child_, nullptr, 0);
            return;
        }
        collector_->stop();
        thread_.join();
    }

    pid_t pid() const { return child_ > 0 ? child_ : getpid(); }

    BenchCollector(const BenchCollector&) = delete;
    BenchCollector& operator=(const BenchCollector&) = delete;

    std::string agentUrl() const { return "https://127.0.0.1:" + std::to_string(agent_port_); }
    std::string adminUrl() const { return "https://127.0.0.1:" + std::to_string(admin_port_); }
    const std::string& caPem() const { return ca_pem_; }
    const std::string& adminToken() const { return admin_token_; }
    const std::filesystem::path& dir() const { return dir_; }
    const collector::CollectorHome& home() const { return *home_; }

    // A one-time enrollment token, issued by the admin API as `mamorictl token create` gets it.
    std::string createToken(const std::string& group) const {
        auto res = admin(boost::beast::http::verb::post, "/admin/v1/enroll-tokens",
                         boost::json::serialize(boost::json::object{{"group", group}}));
        if (res.status != 201) throw std::runtime_error("token create: HTTP " + std::to_string(res.status) + " " + res.body);
        return std::string(boost::json::parse(res.body).at("token").as_string());
    }

    // Pushes `policy` to `group` as `mamorictl policy push` does (the section made if new);
    // returns its version.
    uint64_t pushPolicy(const std::string& group, const mamori::v1::Policy& policy) const {
        auto res = admin(boost::beast::http::verb::post, "/admin/v1/policies",
                         boost::json::serialize(boost::json::object{{"policy_base64", collector::PolicyUpload::encode(policy)},
                                                                    {"group", group},
                                                                    {"create_section", true}}));
        if (res.status != 201) throw std::runtime_error("policy push: HTTP " + std::to_string(res.status) + " " + res.body);
        return boost::json::value_to<uint64_t>(boost::json::parse(res.body).at("version"));
    }

    common::HttpsClient::Response admin(boost::beast::http::verb method, const std::string& target,
                                       std::string body = {}) const {
        std::string type = body.empty() ? "" : "application/json";
        return common::HttpsClient::fetch(*admin_tls_, adminUrl(), method, target, std::move(body), std::move(type),
                                         {{"Authorization", "Bearer " + admin_token_}}, std::chrono::seconds(60));
    }

    // Free now; a port can be taken between this call and the bind, which on loopback during a
    // benchmark does not happen in practice.
    static unsigned short freePort() {
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::address_v4::loopback(), 0});
        return a.local_endpoint().port();
    }

private:
    static bool listening(unsigned short port) {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket s(io);
        boost::system::error_code ec;
        s.connect({boost::asio::ip::address_v4::loopback(), port}, ec);
        return !ec;
    }

    std::filesystem::path dir_;
    unsigned short agent_port_ = 0, admin_port_ = 0;
    pid_t child_ = -1;
    std::unique_ptr<collector::CollectorHome> home_;
    std::unique_ptr<collector::Collector> collector_;
    std::string ca_pem_, admin_token_;
    std::shared_ptr<boost::asio::ssl::context> admin_tls_;
    std::thread thread_;
};

}  // namespace mamori::bench
