#pragma once
// A private PostgreSQL server for tests: never the system cluster. Started on first use in a
// test process and stopped when the process's tests end (PostgresServer::Environment).
//
// Fast start: initdb runs once per machine into a template directory (under a file lock, so
// parallel test processes share it); each process copies the template and starts its own
// server on a Unix socket in its own directory, so no TCP port can collide. Durability is off
// (fsync, full_page_writes): these databases die with the test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace mamori::test {

class PostgresServer {
public:
    // The server of this process, started on first call; nullptr if PostgreSQL's server
    // binaries are not installed (the caller skips, saying so).
    static PostgresServer* shared() {
        static std::once_flag once;
        std::call_once(once, [] {
            const auto bin = binDir();
            if (bin) instance() = std::unique_ptr<PostgresServer>(new PostgresServer(*bin));
        });
        return instance().get();
    }

    static constexpr const char* kSkipMessage =
        "PostgreSQL server binaries (initdb, pg_ctl) are not installed: install postgresql-15 to run the "
        "PostgreSQL variant of these tests";

    // A new empty database; its connection URI.
    std::string createDatabase() {
        const std::string name = "t" + std::to_string(next_db_++);
        exec("postgres", "CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
        return url(name);
    }

    std::string url(const std::string& database) const {
        return "postgresql://postgres@/" + database + "?host=" + dir_.string();
    }

    // The database a URL from createDatabase() names.
    static std::string databaseOf(const std::string& url) {
        const auto start = url.find("@/") + 2;
        return url.substr(start, url.find('?') - start);
    }

    // Runs one statement without parameters, as the superuser.
    void exec(const std::string& database, const std::string& sql) {
        PGconn* c = PQconnectdb(url(database).c_str());
        if (PQstatus(c) != CONNECTION_OK) {
            const std::string e = PQerrorMessage(c);
            PQfinish(c);
            throw std::runtime_error("test PostgreSQL: " + e);
        }
        PGresult* r = PQexec(c, sql.c_str());
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        const std::string e = PQresultErrorMessage(r);
        PQclear(r);
        PQfinish(c);
        if (!ok) throw std::runtime_error("test PostgreSQL: " + e + " in " + sql);
    }

    ~PostgresServer() {
        run(asPostgres(bin_ + "/pg_ctl -D " + (dir_ / "data").string() + " -s -m immediate stop"));
        std::filesystem::remove_all(dir_);
    }

    // Stops the server once this process's tests are done (register with
    // ::testing::AddGlobalTestEnvironment; a process that never used it starts nothing).
    class Environment : public ::testing::Environment {
    public:
        void TearDown() override { instance().reset(); }
    };

private:
    static std::unique_ptr<PostgresServer>& instance() {
        static std::unique_ptr<PostgresServer> s;
        return s;
    }

    static std::optional<std::string> binDir() {
        for (const char* v : {"15", "16", "17", "14", "13"}) {
            const std::string d = std::string("/usr/lib/postgresql/") + v + "/bin";
            if (std::filesystem::exists(d + "/initdb") && std::filesystem::exists(d + "/pg_ctl")) return d;
        }
        return std::nullopt;
    }

    // The server refuses to run as root; tests run as root in CI.
    static std::string asPostgres(const std::string& cmd) {
        return ::geteuid() == 0 ? "runuser -u postgres -- " + cmd : cmd;
    }

    static int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

    static void giveToPostgres(const std::filesystem::path& p) {
        if (::geteuid() != 0) return;
        const passwd* pw = ::getpwnam("postgres");
        if (!pw || ::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::runtime_error("cannot give " + p.string() + " to the postgres user");
    }

public:
    // A private server of its own (benchmarks): durable = fsync and synchronous commits on, as
    // a production server runs; the tests' shared server runs without them. settings ("-c k=v
    // ...") come last, so they override the defaults here.
    static std::unique_ptr<PostgresServer> start(bool durable, const std::string& settings = "") {
        const auto bin = binDir();
        if (!bin) throw std::runtime_error(kSkipMessage);
        return std::unique_ptr<PostgresServer>(new PostgresServer(*bin, durable, settings));
    }

private:
    explicit PostgresServer(std::string bin, bool durable = false, const std::string& settings = "")
        : bin_(std::move(bin)) {
        namespace fs = std::filesystem;
        const fs::path tmp = fs::temp_directory_path();
        const fs::path tmpl = tmp / ("mamori-pg-template-" + fs::path(bin_).parent_path().filename().string() +
                                     "-" + std::to_string(::geteuid()));
        {
            // One initdb per machine; the other processes wait for it and then copy.
            const std::string lock_path = tmpl.string() + ".lock";
            const int lock = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
            if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + lock_path);
            if (!fs::exists(tmpl / "READY")) {
                fs::remove_all(tmpl);
                fs::create_directories(tmpl);
                giveToPostgres(tmpl);
                const int rc = run(asPostgres(bin_ + "/initdb -D " + (tmpl / "data").string() +
                                              " -A trust -U postgres -E UTF8 --locale=C --no-sync --no-instructions"));
                if (rc != 0) {
                    ::close(lock);
                    throw std::runtime_error("initdb failed for the test PostgreSQL template in " + tmpl.string());
                }
                std::ofstream(tmpl / "READY") << "ok\n";
            }
            ::close(lock);
        }
        std::string d = (tmp / "mamori-pg-XXXXXX").string();
        if (!::mkdtemp(d.data())) throw std::runtime_error("mkdtemp failed for the test PostgreSQL");
        dir_ = d;
        giveToPostgres(dir_);
        if (run("cp -a " + (tmpl / "data").string() + " " + (dir_ / "data").string()) != 0)
            throw std::runtime_error("cannot copy the test PostgreSQL template");
        const std::string options =
            "-c listen_addresses='' -k " + dir_.string() +
            (durable ? std::string(" -c shared_buffers=128MB")
                     : std::string(" -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB")) +
            " -c max_connections=100 " + settings;
        if (run(asPostgres(bin_ + "/pg_ctl -D " + (dir_ / "data").string() + " -l " + (dir_ / "log").string() +
                           " -s -w -t 60 -o \"" + options + "\" start")) != 0)
            throw std::runtime_error("the test PostgreSQL did not start; see " + (dir_ / "log").string());
    }

    std::string bin_;
    std::filesystem::path dir_;
    std::atomic<int> next_db_{0};
};

}  // namespace mamori::test
