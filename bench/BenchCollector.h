#pragma once
// A real collector for a benchmark: a state directory made exactly as `mamori-collector init`
// makes it (CA, TLS and policy keys, SQLite store, first admin token), served from this process
// on loopback ports by the same Collector class the binary runs.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "collector/Collector.h"
#include "collector/CollectorHome.h"
#include "mamori/proto/Files.h"
#include "mamori/proto/HttpsClient.h"

namespace mamori::bench {

class BenchCollector {
public:
    // Creates the state directory when it holds no collector yet, then serves it with `threads`
    // worker threads until destroyed. Listening ports are chosen free at init time.
    BenchCollector(const std::filesystem::path& dir, int threads) : dir_(dir) {
        if (!std::filesystem::exists(dir_ / "collector.conf")) {
            // init makes the directory private (0700) and fills it with keys: never do that to a
            // directory that already holds something else.
            if (std::filesystem::exists(dir_) && !std::filesystem::is_empty(dir_))
                throw std::runtime_error(dir_.string() + " is neither empty nor a collector's state directory");
            collector::CollectorHome::InitOptions o;
            o.organisation = "mamori bench";
            o.agent_listen = "127.0.0.1:" + std::to_string(freePort());
            o.admin_listen = "127.0.0.1:" + std::to_string(freePort());
            o.server_names = {"127.0.0.1", "localhost"};
            collector::CollectorHome::init(dir_, o);
        }
        home_ = std::make_unique<collector::CollectorHome>(dir_);
        collector_ = std::make_unique<collector::Collector>(*home_);
        ca_pem_ = proto::Files::read(dir_ / "ca.pem");
        admin_token_ = proto::Files::read(dir_ / "admin.token");
        while (!admin_token_.empty() && (admin_token_.back() == '\n' || admin_token_.back() == '\r'))
            admin_token_.pop_back();
        admin_tls_ = proto::HttpsClient::context(ca_pem_);
        thread_ = std::thread([this, threads] { collector_->run(threads); });
    }

    ~BenchCollector() {
        collector_->stop();
        thread_.join();
    }

    BenchCollector(const BenchCollector&) = delete;
    BenchCollector& operator=(const BenchCollector&) = delete;

    std::string agentUrl() const { return "https://127.0.0.1:" + std::to_string(collector_->agentPort()); }
    std::string adminUrl() const { return "https://127.0.0.1:" + std::to_string(collector_->adminPort()); }
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

    proto::HttpsClient::Response admin(boost::beast::http::verb method, const std::string& target,
                                       std::string body = {}) const {
        std::string type = body.empty() ? "" : "application/json";
        return proto::HttpsClient::fetch(*admin_tls_, adminUrl(), method, target, std::move(body), std::move(type),
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
    std::filesystem::path dir_;
    std::unique_ptr<collector::CollectorHome> home_;
    std::unique_ptr<collector::Collector> collector_;
    std::string ca_pem_, admin_token_;
    std::shared_ptr<boost::asio::ssl::context> admin_tls_;
    std::thread thread_;
};

}  // namespace mamori::bench
