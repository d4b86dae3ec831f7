#pragma once
// The two Store implementations as test backends, for suites typed over both: a SQLite file in
// a temporary directory, and a new database on this process's private PostgreSQL server.
//
//   template <class Backend> struct MyTest : StoreFixture<Backend> {};
//   TYPED_TEST_SUITE(MyTest, mamori::test::StoreBackends, mamori::test::StoreBackendNames);
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "collector/Store.h"
#include "tests/support/PostgresServer.h"

namespace mamori::test {

// Stops the private server once this process's tests end; one registration per test binary.
inline const auto* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresServer::Environment);

struct SqliteBackend {
    static constexpr const char* kName = "SqliteStore";
    static constexpr double kRateFloor = 5000;  // events/s; far below what it does
    std::filesystem::path dir;
    int files = 0;

    void setUp() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mamori-store-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
    }
    void tearDown() {
        if (!dir.empty()) std::filesystem::remove_all(dir);
    }
    std::string newUrl() { return "sqlite:" + (dir / ("collector-" + std::to_string(files++) + ".db")).string(); }
};

struct PostgresBackend {
    static constexpr const char* kName = "PostgresStore";
    // A server process on the same two shared cores, with a network round trip per statement.
    static constexpr double kRateFloor = 1000;
    PostgresServer* server = nullptr;

    void setUp() {
        server = PostgresServer::shared();
        if (!server) GTEST_SKIP() << PostgresServer::kSkipMessage;
    }
    void tearDown() {}
    std::string newUrl() { return server->createDatabase(); }
};

using StoreBackends = ::testing::Types<SqliteBackend, PostgresBackend>;

struct StoreBackendNames {
    template <class T>
    static std::string GetName(int) {
        return T::kName;
    }
};

// One store per test, of the suite's backend.
template <class Backend>
struct StoreFixture : ::testing::Test {
    Backend backend;
    std::string url;

    void SetUp() override {
        backend.setUp();
        if (this->IsSkipped() || this->HasFatalFailure()) return;
        url = backend.newUrl();
    }
    void TearDown() override { backend.tearDown(); }

    // Another connection to this test's store, as a second collector or mamorictl opens it.
    std::unique_ptr<mamori::collector::Store> open() { return mamori::collector::openStore(url); }
};

}  // namespace mamori::test
